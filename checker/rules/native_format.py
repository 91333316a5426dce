"""Native code that Linux cannot load: Mach-O or PE files where Lambda expects ELF, ELF files
too damaged to read, and files that are not ELF at all where Python or Node dlopen() one (an
extension module that is a text linker script, an empty file, ...)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import FileFormat, MemberKind
from checker.findings import Finding, Severity
from checker.lambda_env import EXTENSIONS_DIR
from checker.patterns import lazy_pattern
from checker.rules.architecture import rebuild_hint
from checker.rules.base import RuleContext
from checker.rules.view import Located

_LOADED_SUFFIXES = (".so", ".node", ".pyd")
_FOREIGN_SUFFIXES = (".dylib", ".dll", ".exe")
# Names Python's import dlopen()s (importlib.machinery.EXTENSION_SUFFIXES) and Node's .node.
_TAGGED_EXTENSION = lazy_pattern(r"^[A-Za-z_][A-Za-z0-9_]*\.(cpython-\d+[a-z]*-[^.]+|abi3)\.so$")
_PLAIN_EXTENSION = lazy_pattern(r"^[A-Za-z_][A-Za-z0-9_]*\.so$")


class NativeFormatRule:
    id = "native-format"
    summary = "Native code is Linux ELF (no Mach-O, PE or unreadable ELF)"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for loc in ctx.files():
            file = loc.file
            if not ctx.loaded(loc):
                continue  # another platform's build that Lambda never loads (platform-binaries)
            if file.format in (FileFormat.MACHO, FileFormat.PE):
                finding = self._foreign(ctx, loc)
                if finding is not None:
                    yield finding
            elif file.format is FileFormat.ELF and file.elf_error is not None:
                yield Finding(
                    rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                    message=f"an ELF file the kernel and the loader refuse ({file.elf_error}): "
                            "'Exec format error', 'invalid ELF header' or 'file too short'",
                    hint="the file is truncated or damaged: rebuild the artifact",
                )
            elif file.kind is MemberKind.FILE and file.format in (FileFormat.OTHER,
                                                                  FileFormat.SCRIPT):
                finding = self._not_elf(ctx, loc)
                if finding is not None:
                    yield finding
            elif file.elf is not None and file.elf.problems:
                yield Finding(
                    rule=self.id, severity=Severity.WARNING, path=loc.report_path,
                    message=f"ELF tables partly unreadable: {'; '.join(file.elf.problems[:3])}",
                    hint="checks of this file may be incomplete; rebuild it if it fails to load",
                )

    def _not_elf(self, ctx: RuleContext, loc: Located) -> Finding | None:
        """An extension module that is not ELF: the import dlopen()s it and fails."""
        name = posixpath.basename(loc.file.path)
        if name.endswith(".node"):
            loader = "Node's require() (process.dlopen)"
        elif _TAGGED_EXTENSION().match(name):
            loader = "Python's import"
        elif _PLAIN_EXTENSION().match(name) and ctx.runtime.family == "python" \
                and ctx.view.entry(posixpath.join(posixpath.dirname(loc.abs_path),
                                                  "__init__.py")) is not None:
            loader = "Python's import (it is a module of a package)"
        else:
            return None  # e.g. lib/libc.so, a linker script only the static linker reads
        what = "an empty file" if loc.file.size == 0 else (
            "a script" if loc.file.format is FileFormat.SCRIPT else "not an ELF file")
        error = "file too short" if loc.file.size < 64 else "invalid ELF header"
        return Finding(
            rule=self.id, severity=Severity.ERROR, path=loc.report_path,
            message=f"an extension module that is {what}: {loader} loads it with dlopen(), "
                    f"which fails with '{error}'",
            hint="a text file such as a GNU ld script (/* GNU ld script */ INPUT(...)) stands "
                 "where the shared library belongs: ship the real library it names, built for "
                 "Linux",
            subject=name,
        )

    def _foreign(self, ctx: RuleContext, loc: Located) -> Finding | None:
        file = loc.file
        name = posixpath.basename(file.path)
        what = file.native_detail or file.format.value
        loaded = name.endswith(_LOADED_SUFFIXES) or ".so." in name or name == "bootstrap" \
            or loc.abs_path.startswith(f"{EXTENSIONS_DIR}/") or bool(file.mode & 0o111)
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
            hint=f"build it on Linux: {rebuild_hint(ctx, loc)}",
            subject=name,
        )
