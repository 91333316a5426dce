"""One fix per package, in the words of the tool that installed it."""

from __future__ import annotations

from checker.packages.owners import Distribution, Ecosystem

_MANYLINUX = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
_NODE_CPU = {"x86_64": "x64", "arm64": "arm64"}
_RUST_FLAG = {"x86_64": "--x86-64", "arm64": "--arm64"}
_ZIG_TARGET = {"x86_64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}


def pip_fix(distribution: Distribution, arch: str, python: tuple[int, int]) -> str:
    """pip, as it would fetch the wheel Lambda's platform needs ("numpy==2.1.0" pinned when the
    version is known)."""
    pin = f"=={distribution.version}" if distribution.version else ""
    return (f"pip install --platform {_MANYLINUX.get(arch, arch)} --only-binary=:all: "
            f"--python-version {python[0]}.{python[1]} --implementation cp --target build/ "
            f"{distribution.name}{pin}")


def npm_fix(arch: str) -> str:
    """npm, installing (optional) platform packages for Lambda instead of the build machine."""
    return f"npm install --os=linux --cpu={_NODE_CPU.get(arch, arch)} --libc=glibc"


def npm_rebuild_fix(node_major: int) -> str:
    """A node-gyp addon built against another Node's headers."""
    return f"npm rebuild --target={node_major}.0.0 (or npm ci inside a Node {node_major} image)"


def custom_runtime_fix(arch: str, glibc: str, language: str) -> str:
    """Custom runtimes (provided.*): a build pinned to the runtime's glibc and architecture."""
    if language == "rust":
        return f"cargo lambda build --release {_RUST_FLAG.get(arch, arch)}"
    return f"zig cc -target {_ZIG_TARGET.get(arch, arch)}.{glibc}"


def fix_for(distribution: Distribution | None, *, arch: str, python: tuple[int, int] | None = None,
            glibc: str | None = None, language: str = "c") -> str | None:
    """The one fix for a package's findings, or None when its ecosystem has no install
    command (a layer: rebuild it the same way, for the runtime)."""
    if distribution is None:
        if glibc is not None:
            return custom_runtime_fix(arch, glibc, language)
        return None
    if distribution.ecosystem is Ecosystem.PYTHON and python is not None:
        return pip_fix(distribution, arch, python)
    if distribution.ecosystem is Ecosystem.NODE:
        return npm_fix(arch)
    return None
