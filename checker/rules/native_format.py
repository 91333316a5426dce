"""Native code that Linux cannot load: Mach-O or PE files where Lambda expects ELF, and ELF files
too damaged to read."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import FileFormat
from checker.findings import Finding, Severity
from checker.rules.base import Located, RuleContext

_LOADED_SUFFIXES = (".so", ".node", ".pyd")
_FOREIGN_SUFFIXES = (".dylib", ".dll", ".exe")


class NativeFormatRule:
    id = "native-format"
    summary = "Native code is Linux ELF (no Mach-O, PE or unreadable ELF)"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for loc in ctx.files():
            file = loc.file
            if file.format in (FileFormat.MACHO, FileFormat.PE):
                finding = self._foreign(ctx, loc)
                if finding is not None:
                    yield finding
            elif file.format is FileFormat.ELF and file.elf_error is not None:
                yield Finding(
                    rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                    message=f"an ELF file that cannot be read ({file.elf_error}); the loader "
                            "rejects it with 'invalid ELF header' or 'file too short'",
                    hint="the file is truncated or damaged: rebuild the artifact",
                )
            elif file.elf is not None and file.elf.problems:
                yield Finding(
                    rule=self.id, severity=Severity.WARNING, path=loc.report_path,
                    message=f"ELF tables partly unreadable: {'; '.join(file.elf.problems[:3])}",
                    hint="checks of this file may be incomplete; rebuild it if it fails to load",
                )

    def _foreign(self, ctx: RuleContext, loc: Located) -> Finding | None:
        file = loc.file
        name = posixpath.basename(file.path)
        what = file.native_detail or file.format.value
        loaded = name.endswith(_LOADED_SUFFIXES) or ".so." in name or name == "bootstrap" \
            or loc.abs_path.startswith("/opt/extensions/") or bool(file.mode & 0o111)
        if file.format is FileFormat.PE and ctx.runtime.family == "dotnet" \
                and name.endswith((".dll", ".exe")):
            return None  # .NET assemblies are PE files by design
        if not loaded and not name.endswith(_FOREIGN_SUFFIXES):
            return None
        built_on = "macOS" if file.format is FileFormat.MACHO else "Windows"
        return Finding(
            rule=self.id, severity=Severity.ERROR if loaded else Severity.WARNING,
            path=loc.report_path,
            message=f"{what}: native code for {built_on}, which Linux cannot load"
                    + ("" if loaded else " (nothing on Lambda will load it; dead weight)"),
            hint="build the artifact on Linux for the function's architecture "
                 "(e.g. pip install --platform manylinux2014_x86_64 --only-binary=:all:, "
                 "or inside the runtime's build image)",
            subject=name,
        )
