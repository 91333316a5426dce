"""Versioned symbols: every version node an ELF needs (GLIBC_2.34, GLIBCXX_3.4.29, CXXABI_1.3.13,
GCC_7.0.0, OPENSSL_3.0.0, ...) must be defined by the library the loader will actually pick."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from checker.catalog.model import Confidence, SystemLibrary, is_release, release, version_leq
from checker.facts import VersionNeed
from checker.findings import Finding, Severity
from checker.lambda_env import LANG_DIR, SYSTEM_LIBRARY_DIRS, Arch
from checker.patterns import lazy_pattern
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
        missing, unknown = _classify(ctx, found, needs)
        if missing:
            yield self._missing_finding(ctx, loc, found, missing)
        if unknown and not missing:
            names = ", ".join(sorted({n.version for n in unknown}, key=_version_key))
            yield Finding(
                rule=self.id, severity=Severity.INFO, path=loc.report_path,
                message=f"needs {names} from {found.soname}; which version nodes "
                        f"{_provider(ctx, found)} defines is unknown (the catalog knows the "
                        f"file, not its version definitions): verify that it defines {names}",
                hint=_probe_hint(ctx, found.soname),
                subject=found.soname,
            )

    def _missing_finding(self, ctx: RuleContext, loc: Located, found: Resolution,
                         missing: list[VersionNeed]) -> Finding:
        worst = max(missing, key=lambda n: _version_key(n.version))
        symbol = f"{worst.symbols[0]}@{worst.version}" if worst.symbols else worst.version
        # glibc's nodes follow from its version and a bundled library's were read from the
        # file: only a non-glibc system library whose facts are inferred is genuinely unsure
        inferred = (found.system is not None and not is_glibc(found.soname)
                    and found.system.confidence is Confidence.INFERRED)
        weak_only = all(n.weak for n in missing)
        severity = Severity.WARNING if (inferred or weak_only) else Severity.ERROR
        details = tuple(
            f"{n.version}: {', '.join(n.symbols[:8])}" + (" …" if len(n.symbols) > 8 else "")
            for n in sorted(missing, key=lambda n: _version_key(n.version), reverse=True)
        )
        weak = "weak " if weak_only else ""  # glibc only notes a missing weak version
        message = (f"{_library_path(found)}: {weak}version `{worst.version}' not found "
                   f"(required by {loc.abs_path}): {_provider(ctx, found)} does not define it")
        if inferred:
            message += (f" (the catalog's facts about {found.soname} are inferred: verify "
                        "which versions it defines)")
        hint = _hint(worst.version, ctx, found)
        if inferred:
            hint = f"{_probe_hint(ctx, found.soname)}; or {hint}"
        return Finding(
            rule=self.id, severity=severity, path=loc.report_path, message=message,
            hint=hint, subject=symbol, details=details,
        )


GLIBC_SONAMES = lazy_pattern(
    r"^(libc|libm|libmvec|libpthread|libdl|librt|libresolv|libutil|libanl|libnsl|libBrokenLocale"
    r"|libthread_db|libc_malloc_debug|libnss_\w+)\.so\.\d+$|^ld-linux[-\w]*\.so\.\d+$")


def is_glibc(soname: str) -> bool:
    """A library glibc itself ships: its GLIBC_ nodes follow from glibc's version."""
    return GLIBC_SONAMES().match(soname) is not None


def _classify(ctx: RuleContext, found: Resolution,
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
            if defined is None and is_glibc(found.soname):
                defined = _glibc_defines(need.version, ctx.platform.glibc)
            if defined is False:
                missing.append(need)
            elif defined is None:
                unknown.append(need)
    return missing, unknown


def _glibc_defines(version: str, glibc: str) -> bool | None:
    """Whether glibc `glibc` defines the node `version`: every GLIBC_x.y up to its own version
    (a binary linked here only needs nodes its build's glibc had, which later ones keep)."""
    prefix, _, number = version.partition("_")
    if prefix != "GLIBC" or not re.fullmatch(r"\d+(\.\d+)+", number):
        return None
    return version_leq(number, glibc)


def _library_path(found: Resolution) -> str:
    """The library as the loader names it in its message."""
    if found.bundled is not None:
        return found.bundled.abs_path
    if found.system is not None:
        return _library_path_of(found.system)
    return posixpath.join(SYSTEM_LIBRARY_DIRS[0], found.soname)


def _probe_hint(ctx: RuleContext, soname: str) -> str:
    return (f"`lambdacheck runtimes probe {ctx.platform.image} --name {ctx.runtime.name}` reads "
            f"the image's {soname} and settles it")


def _provider(ctx: RuleContext, found: Resolution) -> str:
    if found.bundled is not None:
        owner = "the image's" if ctx.image is not None else "the bundled"
        return f"{owner} {found.bundled.report_path}"
    if is_glibc(found.soname):
        return f"{ctx.runtime.name} ({ctx.runtime.os_name}, glibc {ctx.platform.glibc})"
    system = found.system
    if system is not None and system.path is not None and \
            system.path.startswith(LANG_DIR + "/"):  # bundled with the runtime, first on the path
        shadows = ctx.platform.shadowed.get(found.soname)
        also = f", which shadows the OS's {_library_path_of(shadows)}" if shadows else ""
        return (f"{ctx.runtime.name}'s own {posixpath.join(system.path, found.soname)} "
                f"(bundled with the runtime{also})")
    version = f" {ctx.platform.libstdcxx}" if found.soname.startswith("libstdc++") and \
        ctx.platform.libstdcxx else ""
    return f"{ctx.runtime.name}'s {found.soname}{version} ({ctx.runtime.os_name})"


def _library_path_of(system: SystemLibrary) -> str:
    return posixpath.join(system.path or SYSTEM_LIBRARY_DIRS[0], system.soname)


def _hint(version: str, ctx: RuleContext, found: Resolution) -> str:
    if version.startswith("GLIBC_") and ctx.image is not None:
        return (f"build it in a stage FROM the same base image (glibc {ctx.platform.glibc}), "
                "or use a base image whose glibc is new enough")
    if version.startswith("GLIBC_") and ctx.runtime.python is not None:
        return (f"install wheels whose glibc is ≤ {ctx.platform.glibc} (pip install --platform "
                f"manylinux2014_{Arch.gnu_of(ctx.arch)} --only-binary=:all:), or build in the "
                f"runtime's build image (e.g. {ctx.platform.image})")
    if version.startswith("GLIBC_") and ctx.runtime.family == "nodejs":
        return (f"build against glibc ≤ {ctx.platform.glibc}: npm rebuild (or npm ci) in the "
                f"runtime's build image (e.g. {ctx.platform.image}), or use the package's "
                "prebuilt binary for Lambda's platform")
    if version.startswith("GLIBC_"):
        return (f"build against glibc ≤ {ctx.platform.glibc}: in the runtime's build image "
                f"(e.g. {ctx.platform.image}), with manylinux wheels whose glibc is ≤ "
                f"{ctx.platform.glibc}, or with `zig cc -target {Arch.gnu_of(ctx.arch)}"
                f"-linux-gnu.{ctx.platform.glibc}`")
    if version.startswith(("GLIBCXX_", "CXXABI_")):
        return ("link the C++ runtime statically (-static-libstdc++ -static-libgcc) or build with "
                "the runtime's GCC; a bundled libstdc++.so.6 in lib/ is shadowed by the runtime's "
                "(LD_LIBRARY_PATH lists /var/lang/lib and /lib64 first) unless the binary's "
                "RPATH points at it")
    if version.startswith("GCC_"):
        return "link libgcc statically (-static-libgcc) or build with the runtime's GCC"
    if found.bundled is not None:
        return f"bundle the version of {found.soname} this file was built against"
    return f"bundle a {found.soname} that defines {version} and point RPATH at it, or rebuild"


def _version_key(version: str) -> tuple[str, tuple[int, ...]]:
    """The order of version nodes in a message: by prefix, then release as packaging orders
    them (anything not a version first); a pre- or post-release counts as its release."""
    prefix, _, number = version.partition("_")
    if is_release(number):
        return prefix, release(number)
    from packaging.version import InvalidVersion, Version  # not a plain release: rare

    try:
        return prefix, Version(number).release
    except InvalidVersion:
        return prefix, (0,)
