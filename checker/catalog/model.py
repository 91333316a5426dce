"""The policy side: what a Lambda runtime provides, as loaded from the catalog (catalog/load.py).

Every fact carries the ids of its sources and a confidence, so that `runtimes show` can
print them and rules can lower a verdict's severity when the fact is only inferred.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import field
from datetime import date
from types import MappingProxyType

from checker.lambda_env import ARCH_NAMES
from checker.records import record

ARCHES = ARCH_NAMES


class Confidence(enum.Enum):
    CONFIRMED = "confirmed"
    INFERRED = "inferred"


@record
class Source:
    """A document catalog facts cite (a `sources` entry): its title, address and the day it was
    read, or for a file listing dumped inside a live function, where it is kept and when."""

    id: str
    title: str
    url: str = ""
    retrieved: str = ""
    # a file listing dumped inside a live function: where it is kept and when it was taken
    repository: str = ""  # "shogo82148/docker-lambda"
    commit: str = ""
    path: str = ""  # "dockerfiles/python3.12/fs-x86_64.txt"
    dumped: str = ""  # "2026-07-24"


@record
class SystemLibrary:
    """A shared library the runtime image provides on its loader path.

    versions: the exact set of version nodes its DT_VERDEF defines, when known (probed)
    series:   compact form for linear series, prefix -> highest version defined, e.g.
              {"GLIBC_": "2.26"}: every GLIBC_x.y <= 2.26 is defined
    extra:    non-series nodes known to be defined ("GLIBC_PRIVATE", "CXXABI_TM_1")
    """

    soname: str
    confidence: Confidence
    sources: tuple[str, ...]
    versions: frozenset[str] | None = None
    series: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    extra: frozenset[str] = frozenset()
    path: str | None = None  # directory it lives in, when known ("/lib64")
    package: str | None = None  # the rpm it comes from, when known ("glibc-2.34-231.amzn2023.0.4")

    def defines(self, version: str) -> bool | None:
        """True/False when known, None when the catalog cannot tell."""
        if self.versions is not None:
            return version in self.versions
        if version in self.extra:
            return True
        for prefix, highest in self.series.items():
            if version.startswith(prefix):
                return _series_leq(version[len(prefix) :], highest)
        return None


_SERIES_NUMBER = re.compile(r"^\d+(\.\d+)*$")


def _series_leq(number: str, highest: str) -> bool | None:
    if not _SERIES_NUMBER.match(number):
        return None
    return version_leq(number, highest)


def version_leq(number: str, highest: str) -> bool | None:
    """number <= highest as packaging.version compares them; None when either is no version.
    Plain releases ("2.34", "3.4.29") are compared here: packaging costs ~5 ms of start-up."""
    if _SERIES_NUMBER.match(number) and _SERIES_NUMBER.match(highest):
        return release(number) <= release(highest)
    from packaging.version import InvalidVersion, Version

    try:
        return Version(number) <= Version(highest)
    except InvalidVersion:
        return None


def release(number: str) -> tuple[int, ...]:
    """A plain release ("2.34.0") as packaging.version compares it: trailing zeros dropped."""
    parts = [int(part) for part in number.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def is_release(number: str) -> bool:
    """Whether `number` is a plain release: digits and dots ("2.34", "3.4.29")."""
    return _SERIES_NUMBER.match(number) is not None


@record
class AbsentLibrary:
    """A soname known NOT to be on the runtime, with the sources that say so (a need for it is an
    error, not a doubt)."""

    soname: str
    sources: tuple[str, ...]
    confidence: Confidence = Confidence.CONFIRMED


@record
class Platform:
    """One runtime on one architecture: what the dynamic loader will find there.

    glibc: version string ("2.26"); glibc_sources its provenance
    libraries: soname -> SystemLibrary, runtime-bundled ones (/var/lang/lib) included
    absent: sonames known NOT to be there (so a miss is an error, not a doubt)
    inventory_complete: True when `libraries` is a full listing (then anything not in it
        is missing); False when it is partial (then a miss is a warning)
    executables: absolute paths known to exist (shebang interpreters: /bin/sh, ...)
    ld_library_path: the image's LD_LIBRARY_PATH, in order
    image: the emulator image for this arch
    """

    arch: str
    glibc: str
    glibc_sources: tuple[str, ...]
    libraries: Mapping[str, SystemLibrary]
    absent: Mapping[str, AbsentLibrary]
    inventory_complete: bool
    executables: frozenset[str]
    ld_library_path: tuple[str, ...]
    image: str
    libstdcxx: str | None = None  # e.g. "7.3.1"; None when the runtime has no libstdc++
    # OS libraries a runtime-bundled one of the same soname (/var/lang/lib) shadows: still on
    # disk, found when a directory of theirs comes first in the loader's search order
    shadowed: Mapping[str, SystemLibrary] = field(default_factory=lambda: MappingProxyType({}))

    def library(self, soname: str) -> SystemLibrary | None:
        return self.libraries.get(soname)

    def candidates(self, soname: str) -> tuple[SystemLibrary, ...]:
        """Every copy of `soname` on the runtime: the one `library` gives, then those it
        shadows."""
        first = self.libraries.get(soname)
        rest = self.shadowed.get(soname)
        return tuple(lib for lib in (first, rest) if lib is not None)


class HandlerStyle(enum.Enum):
    PYTHON = "python"  # module.function
    NODE = "node"  # file.export
    JAVA = "java"  # package.Class::method
    RUBY = "ruby"  # file.method
    DOTNET = "dotnet"  # Assembly::Namespace.Class::Method
    CUSTOM = "custom"  # provided.*: bootstrap does the work, handler is free text


@record
class Runtime:
    """A Lambda runtime identifier ("python3.12") and what it means on each architecture."""

    name: str
    os_id: str  # "al2", "al2023", or a custom id from a --runtime-file
    os_name: str  # "Amazon Linux 2"
    family: str  # "python", "nodejs", "java", "ruby", "dotnet", "provided"
    language_version: str | None
    handler_style: HandlerStyle
    platforms: Mapping[str, Platform]
    deprecated: date | None = None
    deprecated_sources: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    origin: str = "catalog"  # "catalog" or the --runtime-file path that defined it
    # from when Lambda refuses to create / update functions on it (the lifecycle table)
    block_create: date | None = None
    block_update: date | None = None
    preview: bool = False  # a preview runtime (image tags ...-preview)

    @property
    def python(self) -> tuple[int, int] | None:
        """(major, minor) of a Python runtime ("python3.12" -> (3, 12)); None for others."""
        match = re.match(r"^(\d+)\.(\d+)", self.language_version or "")
        if self.family != "python" or match is None:
            return None
        return int(match.group(1)), int(match.group(2))

    @property
    def arches(self) -> tuple[str, ...]:
        return tuple(a for a in ARCHES if a in self.platforms) + tuple(
            a for a in self.platforms if a not in ARCHES
        )

    def platform(self, arch: str) -> Platform | None:
        return self.platforms.get(arch)

    def is_deprecated(self, today: date) -> bool:
        return self.deprecated is not None and self.deprecated <= today


@record
class Limit:
    """A Lambda quota ("memory_mb_max" = 10240 MB), with its sources."""

    name: str
    value: int
    unit: str
    text: str  # how AWS words it
    sources: tuple[str, ...]


@record
class Catalog:
    """Every runtime, source and Lambda quota (limits) the catalog files define, by name."""

    runtimes: Mapping[str, Runtime]
    sources: Mapping[str, Source]
    limits: Mapping[str, Limit] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, name: str) -> Runtime | None:
        return self.runtimes.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.runtimes))

    def arches(self) -> tuple[str, ...]:
        """Every architecture some runtime has (a catalog from the load cache knows them from
        its index, without reading each runtime)."""
        known = getattr(self.runtimes, "arches", None)
        if isinstance(known, tuple):
            return known
        return tuple(dict.fromkeys(arch for r in self.runtimes.values() for arch in r.arches))
