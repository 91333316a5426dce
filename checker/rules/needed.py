"""Every DT_NEEDED soname must resolve on the runtime: bundled (RPATH/RUNPATH, /var/task/lib,
/opt/lib, ...) or provided by the runtime image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checker.catalog.model import Platform
from checker.facts import ElfFacts
from checker.findings import Finding, Severity
from checker.rules.base import RuleContext
from checker.rules.libc import is_musl_soname
from checker.rules.loader import Resolution
from checker.rules.view import Located


class NeededLibrariesRule:
    id = "needed-libraries"
    summary = "Needed shared libraries resolve on the runtime"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for loc, elf in ctx.elves():
            if elf.arch != ctx.arch or not elf.is_dynamic:
                continue
            for offset in elf.bad_needed:
                yield self._bad_name(loc, elf, offset)
            for soname in elf.needed:
                if is_musl_soname(soname):
                    continue  # the libc rule reports musl
                found = ctx.loader.resolve(soname, elf, loc.abs_path)
                if not found.found:
                    yield self._missing(ctx, loc, elf, found)

    def _bad_name(self, loc: Located, elf: ElfFacts, offset: int) -> Finding:
        return Finding(
            rule=self.id, severity=Severity.ERROR, path=loc.report_path,
            message=f"a DT_NEEDED entry names string offset {offset:#x}, outside the string "
                    "table (DT_STRTAB): the loader reads a name there anyway and fails on "
                    "garbage or crashes (SIGSEGV)",
            hint="the file is damaged or was patched wrongly: rebuild it",
            subject=f"DT_NEEDED {offset:#x}",
            details=(f"readable DT_NEEDED entries: {', '.join(elf.needed)}",) if elf.needed else (),
        )

    def _missing(self, ctx: RuleContext, loc: Located, elf: ElfFacts,
                 found: Resolution) -> Finding:
        where = f"{ctx.runtime.name} ({ctx.runtime.os_name}, {ctx.arch})"
        if found.absent is not None or ctx.platform.inventory_complete:
            severity = Severity.ERROR
            message = (f"needs {found.soname}, which is neither bundled nor on {where}: "
                       f"the loader fails with '{found.soname}: cannot open shared object file'")
        else:
            severity = Severity.WARNING
            message = (f"needs {found.soname}, which is not bundled and not in the known "
                       f"inventory of {where} (that inventory is incomplete, so it may exist)")
        return Finding(
            rule=self.id, severity=severity, path=loc.report_path, message=message,
            hint=_hint(found.soname, ctx.platform),
            subject=found.soname,
            details=(f"searched: {', '.join(found.searched)}",)
                    + ((f"also needed by this file: {', '.join(elf.needed)}",)
                       if elf.needed else ()),
        )


_SONAME_STEM = re.compile(r"^(lib[^.]*)\.so")


def _hint(soname: str, platform: Platform) -> str:
    hint = (f"bundle {soname} (and what it needs) in the artifact's lib/ (/var/task/lib) or a "
            "layer's lib/ (/opt/lib), or link it statically")
    stem = _SONAME_STEM.match(soname)
    if stem:
        siblings = sorted(s for s in platform.libraries if s.startswith(stem.group(1) + ".so"))
        if siblings:
            hint += f"; the runtime has {', '.join(siblings)}: build against that instead"
    return hint
