"""Every ELF must be built for the function's architecture (x86_64 or arm64) and be 64-bit.

The failure is worded as Lambda's logs show it: the kernel refuses an executable (the
bootstrap, an extension, a helper) with "exec format error"; a shared object that Python's
import, Node's require() or the loader's DT_NEEDED search dlopen()s fails in the loader's
words: "wrong ELF class: ELFCLASS32" for a 32-bit file, "cannot open shared object file" for
another machine (glibc passes over a library of another machine as if it were not there).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import ElfFacts
from checker.findings import Finding, Severity
from checker.lambda_env import Arch
from checker.packages.owners import Ecosystem
from checker.rules.base import RuleContext
from checker.rules.view import Located

_LOADABLE = ("ET_EXEC", "ET_DYN")
_NODE_CPU = {"x86_64": "x64", "arm64": "arm64"}


class ArchitectureRule:
    id = "architecture"
    summary = "ELF files match the function's architecture"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for loc, elf in ctx.elves():
            if elf.elf_type not in _LOADABLE:
                continue
            if elf.arch != ctx.arch or elf.elf_class != 64:
                built_for = f"{elf.arch} ({elf.elf_class}-bit)"
                yield Finding(
                    rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                    message=f"built for {built_for}; the function runs on {ctx.arch}: "
                            f"{_failure(loc, elf)}",
                    hint=rebuild_hint(ctx, loc),
                    subject=elf.arch,
                )


def is_executable(loc: Located, elf: ElfFacts) -> bool:
    """Run with exec (a program) rather than dlopen()ed (a shared object)."""
    name = posixpath.basename(loc.file.path)
    if name.endswith((".so", ".node", ".pyd")) or ".so." in name:
        return False
    return elf.elf_type == "ET_EXEC" or elf.interpreter is not None \
        or bool(loc.file.mode & 0o111)


def _failure(loc: Located, elf: ElfFacts) -> str:
    if is_executable(loc, elf):
        return f"exec fails with '{loc.abs_path}: exec format error'"
    if elf.elf_class != 64:
        return (f"dlopen() fails with '{loc.abs_path}: wrong ELF class: "
                f"ELFCLASS{elf.elf_class}'")
    return (f"the loader passes it over and dlopen() fails with '{loc.abs_path}: cannot open "
            "shared object file: No such file or directory'")


def rebuild_hint(ctx: RuleContext, loc: Located) -> str:
    """How to get this file for the function's architecture, in the words of the ecosystem
    that shipped it (pip for a wheel, npm for a node_modules package; else the runtime's)."""
    arch = ctx.arch
    other = "arm64" if arch == "x86_64" else "x86_64"
    owner = ctx.owners.owner(loc.abs_path)
    ecosystem = owner.ecosystem if owner is not None else None
    python = ecosystem is Ecosystem.PYTHON or (ecosystem is None and ctx.runtime.python)
    node = ecosystem is Ecosystem.NODE or (ecosystem is None and ctx.runtime.family == "nodejs")
    if python:
        version = ctx.runtime.python
        pin = f" --python-version {version[0]}.{version[1]}" if version else ""
        how = f"pip install --platform manylinux2014_{Arch.gnu_of(arch)} --only-binary=:all:{pin}"
    elif node:
        how = f"npm install --os=linux --cpu={_NODE_CPU.get(arch, arch)} --libc=glibc"
    else:
        how = f"cross-compile for {Arch.gnu_of(arch)}-linux-gnu (e.g. zig cc -target " \
              f"{Arch.gnu_of(arch)}-linux-gnu.{ctx.platform.glibc})"
    return f"rebuild for {arch} ({how}), or deploy the function as {other}"
