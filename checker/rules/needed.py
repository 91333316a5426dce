"""Every DT_NEEDED soname must resolve on the runtime: bundled (RPATH/RUNPATH, /var/task/lib,
/opt/lib, ...) or provided by the runtime image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checker.catalog.model import Confidence, Platform
from checker.facts import ElfFacts
from checker.findings import Finding, Severity
from checker.patterns import lazy_pattern
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
        soname = found.soname
        known_absent = found.absent is not None and found.absent.confidence is Confidence.CONFIRMED
        if known_absent or ctx.platform.inventory_complete:
            # decidable: the runtime's complete file list (or a confirmed absence) lacks it
            severity = Severity.ERROR
            where = f"{ctx.runtime.name} ({ctx.runtime.os_name})" if ctx.image is None else \
                f"the image ({ctx.runtime.os_name})"
            remedy = "bundle it in lib/ or a layer" if ctx.image is None else \
                "install it in the image"
            message = f"{soname}: {LOADER_NO_FILE} — {where} has no {soname}; {remedy}"
            hint = _hint(soname, ctx.platform)
        else:
            # genuinely unknown: no complete listing of this runtime's files exists
            severity = Severity.WARNING
            message = (f"needs {soname}, which is not bundled; the catalog has no complete file "
                       f"list of {ctx.runtime.name} ({ctx.runtime.os_name}, {ctx.arch}), so "
                       f"whether the runtime provides {soname} is unknown: verify it, or the "
                       f"loader fails with '{soname}: {LOADER_NO_FILE}'")
            hint = (f"`lambdacheck runtimes probe {ctx.platform.image} --name "
                    f"{ctx.runtime.name}` lists the image's libraries and settles it; "
                    + _hint(soname, ctx.platform))
        return Finding(
            rule=self.id, severity=severity, path=loc.report_path, message=message,
            hint=hint, subject=soname,
            details=(f"searched: {', '.join(found.searched)}",)
                    + ((f"also needed by this file: {', '.join(others)}",)
                       if (others := [n for n in elf.needed if n != soname]) else ()),
        )


LOADER_NO_FILE = "cannot open shared object file: No such file or directory"  # glibc's words
_SONAME_STEM = lazy_pattern(r"^(lib[^.]*)\.so")


def _hint(soname: str, platform: Platform) -> str:
    hint = (f"bundle {soname} (and what it needs) in the artifact's lib/ (/var/task/lib) or a "
            "layer's lib/ (/opt/lib), or link it statically")
    stem = _SONAME_STEM().match(soname)
    if stem:
        sonames = re.compile(re.escape(stem.group(1)) + r"\.so\.\d+$")  # not dev links
        siblings = sorted(s for s in platform.libraries if sonames.match(s))
        if siblings:
            hint += f"; the runtime has {', '.join(siblings)}: build against that instead"
    return hint
