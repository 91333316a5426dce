"""Findings grouped by the package that shipped their files, for every reporter.

One group per package (Finding.package): its findings that count, worst first, its one fix and
how many findings of each rule it has. Findings no package claims stay on their own, and
suppressed findings are set apart (they are shown as suppressed, never grouped or dropped).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.records import record

FOLDED = 3  # findings shown under a package's line


@record
class PackageGroup:
    """One package's findings that count, worst first, for the reporters' per-package line."""

    package: str
    findings: tuple[Finding, ...]  # worst first, then by path

    @property
    def worst(self) -> Severity:
        return self.findings[0].severity

    @property
    def fix(self) -> str | None:
        """The package's fix, else the hint its worst finding gives."""
        return next((f.fix for f in self.findings if f.fix),
                    next((f.hint for f in self.findings if f.hint), None))

    @property
    def fix_is_hint(self) -> bool:
        return not any(f.fix for f in self.findings)

    def rules(self) -> str:
        """'architecture ×84, needed-libraries ×1', most frequent first."""
        counted = Counter(f.rule for f in self.findings).most_common()
        return ", ".join(rule if n == 1 else f"{rule} ×{n}" for rule, n in counted)

    def headline(self) -> str:
        """'numpy 2.1.0 (pip): 85 findings (architecture ×85)'."""
        count = len(self.findings)
        return f"{self.package}: {count} finding{'s' if count != 1 else ''} ({self.rules()})"


@record
class Grouped:
    """Findings as group() sorts them for rendering: those no package claims, one group per
    package, and the suppressed ones."""

    loose: tuple[Finding, ...]  # counted, no package; in the order given
    packages: tuple[PackageGroup, ...]  # worst first, then by name
    suppressed: tuple[Finding, ...]


def _order(finding: Finding) -> tuple[int, str, str]:
    return (-finding.severity, finding.path, finding.rule)


def group(findings: Iterable[Finding]) -> Grouped:
    loose: list[Finding] = []
    suppressed: list[Finding] = []
    by_package: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.suppressed is not None:
            suppressed.append(finding)
        elif finding.package:
            by_package.setdefault(finding.package, []).append(finding)
        else:
            loose.append(finding)
    groups = [PackageGroup(name, tuple(sorted(items, key=_order)))
              for name, items in by_package.items()]
    groups.sort(key=lambda g: (-g.worst, g.package))
    return Grouped(tuple(loose), tuple(groups),
                   tuple(sorted(suppressed, key=_order)))
