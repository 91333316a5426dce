"""Python: extension modules built for another CPython, and installed wheels whose tags cannot run
on the runtime (another CPython, abi3 newer than the runtime, macOS/Windows/musl, glibc too new)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from checker.findings import Finding, Severity
from checker.lambda_env import Arch
from checker.patterns import lazy_pattern
from checker.rules.base import NotApplicable, RuleContext
from checker.rules.view import Located

if TYPE_CHECKING:
    from packaging.tags import Tag

_EXTENSION = lazy_pattern(r"^(?P<module>[^.]+)\.cpython-(?P<version>\d)(?P<minor>\d+)[a-z]*"
                        r"-(?P<platform>[^.]+)\.so$")
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def python_version(ctx: RuleContext) -> tuple[int, int]:
    if ctx.runtime.python is None:
        raise NotApplicable("not a Python runtime")
    return ctx.runtime.python


class PythonAbiRule:
    id = "python-abi"
    summary = "Python extension modules and wheels match the runtime's CPython, arch and glibc"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        version = python_version(ctx)
        yield from self._extensions(ctx, version)
        supported = supported_tags(version, ctx.arch, ctx.platform.glibc, local=False)
        local = supported_tags(version, ctx.arch, ctx.platform.glibc, local=True)
        for loc in ctx.files():
            if loc.file.path.endswith(".dist-info/WHEEL"):
                text = loc.artifact.texts.get(loc.file.path)
                if text is not None:
                    decoded = text.decode("utf-8", "replace")
                    yield from self._wheel(ctx, loc, decoded, supported, local)

    def _extensions(self, ctx: RuleContext, version: tuple[int, int]) -> Iterator[Finding]:
        wrong: dict[str, list[Located]] = {}
        present = {loc.abs_path for loc in ctx.view}
        for loc in ctx.files():
            match = _EXTENSION().match(posixpath.basename(loc.file.path))
            if match is None:
                continue
            built = (int(match.group("version")), int(match.group("minor")))
            if built != version and not _has_variant(loc, match.group("module"), version, present):
                key = f"{built[0]}.{built[1]}"
                wrong.setdefault(key, []).append(loc)
        for built_version, locs in sorted(wrong.items()):
            first = locs[0]
            more = f" (and {len(locs) - 1} more)" if len(locs) > 1 else ""
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path=first.report_path,
                message=f"extension module built for CPython {built_version}{more}; "
                        f"{ctx.runtime.name} only imports cpython-{version[0]}{version[1]}, "
                        "abi3 or untagged modules: import fails with ModuleNotFoundError",
                hint=f"install dependencies for Python {version[0]}.{version[1]}: "
                     f"pip install --python-version {version[0]}.{version[1]} "
                     "--only-binary=:all: --platform manylinux2014_"
                     f"{Arch.gnu_of(ctx.arch)} -t build/ ...",
                subject=f"cpython-{built_version.replace('.', '')}",
                details=tuple(loc.report_path for loc in locs[1:11]),
            )

    def _wheel(self, ctx: RuleContext, loc: Located, text: str,
               supported: frozenset[Tag], local: frozenset[Tag]) -> Iterator[Finding]:
        wheel_tags = [line.split(":", 1)[1].strip() for line in text.splitlines()
                      if line.lower().startswith("tag:")]
        parsed = _parse_tags(wheel_tags)
        if not parsed or parsed & supported:
            return
        dist = posixpath.dirname(loc.file.path)
        local_build = bool(parsed & local)
        yield Finding(
            rule=self.id,
            severity=Severity.WARNING if local_build else Severity.ERROR,
            path=loc.report_path,
            message=(f"{posixpath.basename(dist)} was built on the build machine "
                     f"({', '.join(sorted(wheel_tags))}): its glibc baseline is unknown"
                     if local_build else
                     f"{posixpath.basename(dist)} is tagged {', '.join(sorted(wheel_tags))}, "
                     f"which cannot run on {ctx.runtime.name} ({_why(parsed, ctx, local)})"),
            hint=("install a manylinux wheel, or trust the ELF checks of its .so files"
                  if local_build else
                  "reinstall it for the runtime: pip install --platform manylinux2014_"
                  f"{Arch.gnu_of(ctx.arch)} --only-binary=:all: "
                  f"--python-version {'.'.join(map(str, python_version(ctx)))} -t build/"),
            subject=min(wheel_tags) if wheel_tags else None,
        )


def _has_variant(loc: Located, module: str, version: tuple[int, int], present: set[str]) -> bool:
    directory = posixpath.dirname(loc.abs_path)
    prefix = f"{directory}/{module}."
    wanted = f"cpython-{version[0]}{version[1]}"
    return any(p.startswith(prefix) and (wanted in p or p.endswith((".abi3.so", f"{module}.so")))
               for p in present)


def _why(tags: set[Tag], ctx: RuleContext, supported: frozenset[Tag]) -> str:
    reasons = []
    platforms = {t.platform for t in tags}
    arch = Arch.gnu_of(ctx.arch)
    for prefix, what in (("macosx", "a macOS wheel"), ("win", "a Windows wheel"),
                         ("musllinux", "a musl (Alpine) wheel")):
        if any(p.startswith(prefix) for p in platforms):
            reasons.append(what)
    linux = [p for p in platforms if p.startswith("manylinux")]
    if linux and not any(p.endswith(arch) for p in linux):
        reasons.append(f"not built for {arch}")
    elif linux and not platforms & {t.platform for t in supported}:
        reasons.append(f"needs a newer glibc than {ctx.platform.glibc}")
    runnable_abis = {(t.interpreter, t.abi) for t in supported}
    if not {(t.interpreter, t.abi) for t in tags} & runnable_abis:
        built_for = ", ".join(sorted({f"{t.interpreter}-{t.abi}" for t in tags}))
        reasons.append(f"built for {built_for}, not CPython {ctx.runtime.language_version}")
    return "; ".join(reasons) or "no tag matches"


def supported_tags(version: tuple[int, int], arch: str, glibc: str, *,
                   local: bool) -> frozenset[Tag]:
    """Tags that run on this runtime (CPython version, arch, glibc from the catalog).

    With local=False, `linux_<arch>` (a wheel built on the build machine, glibc unknown) is
    left out so that such wheels can be told apart from ones that are known to fit.
    """
    from packaging.tags import compatible_tags, cpython_tags  # Python runtimes only

    platforms = manylinux_platforms(arch, glibc)
    if not local:
        platforms = [p for p in platforms if not p.startswith("linux_")]
    tags = set(cpython_tags(python_version=version, platforms=platforms))
    tags |= set(compatible_tags(python_version=version,
                                interpreter=f"cp{version[0]}{version[1]}", platforms=platforms))
    return frozenset(tags)


def manylinux_platforms(arch: str, glibc: str) -> list[str]:
    machine = Arch.gnu_of(arch)
    match = re.match(r"^(\d+)\.(\d+)", glibc)
    if match is None or match.group(1) != "2":
        return [f"linux_{machine}"]
    minor = int(match.group(2))
    platforms = [f"manylinux_2_{m}_{machine}" for m in range(minor, 4, -1)]
    for legacy, (_, needed) in _LEGACY_MANYLINUX.items():
        if needed <= minor and (machine == "x86_64" or legacy == "manylinux2014"):
            platforms.append(f"{legacy}_{machine}")
    platforms.append(f"linux_{machine}")
    return platforms


def _parse_tags(wheel_tags: list[str]) -> set[Tag]:
    parsed: set[Tag] = set()
    for tag in wheel_tags:
        parsed |= _parse_tag(tag)
    return parsed


def _parse_tag(tag: str) -> frozenset[Tag]:
    from packaging.tags import parse_tag

    try:
        return parse_tag(tag)
    except ValueError:
        return frozenset()
