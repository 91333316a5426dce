"""Versioned symbols: every version node an ELF needs (GLIBC_2.34, GLIBCXX_3.4.29, CXXABI_1.3.13,
GCC_7.0.0, OPENSSL_3.0.0, ...) must be defined by the library the loader will actually pick."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import InvalidVersion, Version

from checker.catalog.model import Confidence
from checker.facts import VersionNeed
from checker.findings import Finding, Severity
from checker.lambda_env import Arch
from checker.rules.base import RuleContext
from checker.rules.loader import Resolution
from checker.rules.view import Located


class SymbolVersionsRule:
    id = "symbol-versions"
    summary = "Versioned symbols (GLIBC_, GLIBCXX_, CXXABI_, GCC_, ...) exist on the runtime"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for loc, elf in ctx.elves():
            if elf.arch != ctx.arch or not elf.version_needs:
                continue
            by_library: dict[str, list[VersionNeed]] = {}
            for need in elf.version_needs:
                by_library.setdefault(need.library, []).append(need)
            for soname, needs in by_library.items():
                found = ctx.loader.resolve(soname, elf, loc.abs_path)
                if found.found:
                    yield from self._check_library(ctx, loc, found, needs)

    def _check_library(self, ctx: RuleContext, loc: Located,
                       found: Resolution, needs: list[VersionNeed]) -> Iterator[Finding]:
        missing, unknown = _classify(found, needs)
        if missing:
            yield self._missing_finding(ctx, loc, found, missing)
        if unknown and not missing:
            names = ", ".join(sorted({n.version for n in unknown}, key=_version_key))
            yield Finding(
                rule=self.id, severity=Severity.INFO, path=loc.report_path,
                message=f"needs {names} from {found.soname}; the catalog does not know which "
                        f"versions {ctx.runtime.name}'s {found.soname} defines",
                hint="probe the runtime image (lambdacheck runtimes probe) to verify",
                subject=found.soname,
            )

    def _missing_finding(self, ctx: RuleContext, loc: Located, found: Resolution,
                         missing: list[VersionNeed]) -> Finding:
        worst = max(missing, key=lambda n: _version_key(n.version))
        symbol = f"{worst.symbols[0]}@{worst.version}" if worst.symbols else worst.version
        inferred = found.system is not None and found.system.confidence is Confidence.INFERRED
        weak_only = all(n.weak for n in missing)
        severity = Severity.WARNING if (inferred or weak_only) else Severity.ERROR
        details = tuple(
            f"{n.version}: {', '.join(n.symbols[:8])}" + (" …" if len(n.symbols) > 8 else "")
            for n in sorted(missing, key=lambda n: _version_key(n.version), reverse=True)
        )
        return Finding(
            rule=self.id, severity=severity, path=loc.report_path,
            message=f"needs {worst.version} from {found.soname}, but {_provider(ctx, found)} "
                    f"does not define it: the loader fails with \"version '{worst.version}' not "
                    f"found\"" + (" (the runtime's library list is inferred)" if inferred else ""),
            hint=_hint(worst.version, ctx, found),
            subject=symbol,
            details=details,
        )


def _classify(found: Resolution,
              needs: list[VersionNeed]) -> tuple[list[VersionNeed], list[VersionNeed]]:
    missing: list[VersionNeed] = []
    unknown: list[VersionNeed] = []
    for need in needs:
        if found.bundled is not None:
            bundled_elf = found.bundled.file.elf
            if bundled_elf is None or not bundled_elf.version_defs:
                continue  # the loader only warns: "no version information available"
            if need.version not in bundled_elf.version_defs:
                missing.append(need)
        elif found.system is not None:
            defined = found.system.defines(need.version)
            if defined is False:
                missing.append(need)
            elif defined is None:
                unknown.append(need)
    return missing, unknown


def _provider(ctx: RuleContext, found: Resolution) -> str:
    if found.bundled is not None:
        owner = "the image's" if ctx.image is not None else "the bundled"
        return f"{owner} {found.bundled.report_path}"
    if found.soname.startswith(("libc.so", "libm.so", "libpthread", "libdl", "librt", "ld-linux")):
        return f"{ctx.runtime.name} ({ctx.runtime.os_name}, glibc {ctx.platform.glibc})"
    version = f" {ctx.platform.libstdcxx}" if found.soname.startswith("libstdc++") and \
        ctx.platform.libstdcxx else ""
    return f"{ctx.runtime.name}'s {found.soname}{version} ({ctx.runtime.os_name})"


def _hint(version: str, ctx: RuleContext, found: Resolution) -> str:
    if version.startswith("GLIBC_") and ctx.image is not None:
        return (f"build it in a stage FROM the same base image (glibc {ctx.platform.glibc}), "
                "or use a base image whose glibc is new enough")
    if version.startswith("GLIBC_"):
        return (f"build against glibc ≤ {ctx.platform.glibc}: in the runtime's build image "
                f"(e.g. {ctx.platform.image}), with manylinux wheels whose glibc is ≤ "
                f"{ctx.platform.glibc}, or with `zig cc -target {Arch.gnu_of(ctx.arch)}"
                f"-linux-gnu.{ctx.platform.glibc}`")
    if version.startswith(("GLIBCXX_", "CXXABI_")):
        return ("link the C++ runtime statically (-static-libstdc++ -static-libgcc) or build with "
                "the runtime's GCC; a bundled libstdc++.so.6 in lib/ is shadowed by the system "
                "one (LD_LIBRARY_PATH lists /lib64 first) unless the binary's RPATH points at it")
    if version.startswith("GCC_"):
        return "link libgcc statically (-static-libgcc) or build with the runtime's GCC"
    if found.bundled is not None:
        return f"bundle the version of {found.soname} this file was built against"
    return f"bundle a {found.soname} that defines {version} and point RPATH at it, or rebuild"


def _version_key(version: str) -> tuple[str, Version]:
    prefix, _, number = version.partition("_")
    try:
        return prefix, Version(number)
    except InvalidVersion:
        return prefix, Version("0")
