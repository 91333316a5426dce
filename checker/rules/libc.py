"""The C library: Lambda's images are glibc-based, so musl-linked code cannot load, and a
dynamic executable's PT_INTERP must name a loader the image has."""

from __future__ import annotations

from collections.abc import Iterator

from checker.facts import ElfFacts
from checker.findings import Finding, Severity
from checker.rules.base import RuleContext
from checker.rules.view import Located

GLIBC_INTERPRETERS = {
    "x86_64": ("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
               "/usr/lib64/ld-linux-x86-64.so.2"),
    "arm64": ("/lib/ld-linux-aarch64.so.1", "/lib64/ld-linux-aarch64.so.1",
              "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", "/usr/lib64/ld-linux-aarch64.so.1"),
}
_MUSL_HINT = ("build against glibc instead: a manylinux wheel (not musllinux), a Debian/Amazon "
              "Linux build image instead of Alpine, or link fully static")


def is_musl_soname(soname: str) -> bool:
    return soname == "libc.so" or soname.startswith("libc.musl-")


class LibcRule:
    id = "libc"
    summary = "ELF files use glibc and a loader present on Lambda"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for loc, elf in ctx.elves():
            if elf.arch != ctx.arch:
                continue  # the architecture rule already fails it
            yield from self._interpreter(ctx, loc, elf)
            musl = [n for n in elf.needed if is_musl_soname(n)]
            if musl and not _is_musl_interpreter(elf.interpreter):
                yield Finding(
                    rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                    message=f"linked against musl libc ({musl[0]}); Lambda runtimes use glibc",
                    hint=_MUSL_HINT, subject=musl[0],
                )

    def _interpreter(self, ctx: RuleContext, loc: Located, elf: ElfFacts) -> Iterator[Finding]:
        interp = elf.interpreter
        if interp is None:
            return
        if _is_musl_interpreter(interp):
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                message=f"a musl executable (interpreter {interp}); Lambda has no musl loader: "
                        "it fails with 'No such file or directory' at exec",
                hint=_MUSL_HINT, subject=interp,
            )
            return
        known = GLIBC_INTERPRETERS.get(ctx.arch, ())
        if interp in known or interp in ctx.platform.executables:
            return
        if ctx.view.covers(interp) and ctx.view.resolve(interp) is not None:
            return
        yield Finding(
            rule=self.id, severity=Severity.ERROR, path=loc.report_path,
            message=f"its interpreter {interp} does not exist on {ctx.runtime.name}: exec fails "
                    "with 'No such file or directory'",
            hint=f"relink with the standard loader ({known[0] if known else 'the glibc loader'}), "
                 "e.g. patchelf --set-interpreter, or build on a standard distribution "
                 "(Nix and Guix builds need this)",
            subject=interp,
        )


def _is_musl_interpreter(interp: str | None) -> bool:
    return interp is not None and "ld-musl" in interp
