"""Every ELF must be built for the function's architecture (x86_64 or arm64) and be 64-bit."""

from __future__ import annotations

from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.lambda_env import Arch
from checker.rules.base import RuleContext

_LOADABLE = ("ET_EXEC", "ET_DYN")


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
                            "Lambda fails with 'exec format error' or "
                            "'wrong ELF class' when it loads this file",
                    hint=_hint(ctx.arch),
                    subject=elf.arch,
                )


def _hint(arch: str) -> str:
    other = "arm64" if arch == "x86_64" else "x86_64"
    pip_platform = f"manylinux2014_{Arch.ARM64.gnu if arch == Arch.ARM64 else Arch.X86_64.gnu}"
    return (f"rebuild for {arch} (pip: --platform {pip_platform} --only-binary=:all:; "
            f"npm: --cpu={'arm64' if arch == 'arm64' else 'x64'}), "
            f"or deploy the function as {other}")
