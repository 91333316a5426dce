"""Build real ELF fixtures from the sources in tests/build/c/ with the installed toolchains.

Tests never check in binaries: they compile them here, once per session (BuildCache), and
read expected values from the toolchain's own tools (readelf, objdump).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

SOURCES = Path(__file__).resolve().parent / "c"
REQUIRE_TOOLCHAINS_ENV = "LAMBDACHECK_REQUIRE_TOOLCHAINS"

_Build = Callable[[Path], Path]


class CompileError(RuntimeError):
    """A compiler or linker failed; the message holds the command and its stderr."""


def have_tool(name: str) -> bool:
    """Is `name` an executable on PATH?"""
    return shutil.which(name) is not None


def require_tools(*names: str) -> None:
    """Skip the calling test when a tool is missing, or fail when toolchains are required."""
    missing = [name for name in names if not have_tool(name)]
    if not missing:
        return
    reason = f"toolchain not installed: {', '.join(missing)}"
    if os.environ.get(REQUIRE_TOOLCHAINS_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_TOOLCHAINS_ENV}=1)")
    pytest.skip(reason)


def source_path(source: str | Path) -> Path:
    """A bare name refers to tests/build/c/; anything else is taken as a path."""
    path = Path(source)
    return path if path.is_absolute() or path.exists() else SOURCES / path


def compile_c(
    source: str | Path, out_dir: Path, *, cc: str = "gcc", flags: Sequence[str] = (), name: str
) -> Path:
    """Compile (and, unless flags hold -c, link) one C source into out_dir/name."""
    return _run_tool(cc, [str(source_path(source)), *flags], out_dir / name)


def compile_cxx(
    source: str | Path, out_dir: Path, *, cxx: str = "g++", flags: Sequence[str] = (), name: str
) -> Path:
    """Compile one C++ source into out_dir/name."""
    return _run_tool(cxx, [str(source_path(source)), *flags], out_dir / name)


def link(
    objects: Sequence[Path], out_dir: Path, *, ld: str = "ld", flags: Sequence[str] = (), name: str
) -> Path:
    """Link objects with a bare linker (for targets without a C library installed)."""
    return _run_tool(ld, [*flags, *map(str, objects)], out_dir / name)


def _run_tool(tool: str, args: list[str], output: Path) -> Path:
    if not have_tool(tool):
        raise CompileError(f"{tool} is not installed")
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [tool, *args, "-o", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CompileError(f"{' '.join(command)} failed:\n{result.stderr.strip()}")
    return output


class BuildCache:
    """Runs each distinct build once; results live under `root` for the whole session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._built: dict[tuple[object, ...], Path] = {}

    def c(
        self, source: str | Path, *, name: str, cc: str = "gcc", flags: Sequence[str] = (),
        subdir: str = "",
    ) -> Path:
        key = ("c", cc, str(source), tuple(flags), subdir, name)
        return self._once(key, lambda out: compile_c(source, out, cc=cc, flags=flags, name=name),
                          subdir)

    def cxx(
        self, source: str | Path, *, name: str, cxx: str = "g++", flags: Sequence[str] = (),
        subdir: str = "",
    ) -> Path:
        key = ("cxx", cxx, str(source), tuple(flags), subdir, name)
        return self._once(key, lambda out: compile_cxx(source, out, cxx=cxx, flags=flags,
                                                       name=name), subdir)

    def link(
        self, objects: Sequence[Path], *, name: str, ld: str = "ld", flags: Sequence[str] = (),
        subdir: str = "",
    ) -> Path:
        key = ("ld", ld, tuple(map(str, objects)), tuple(flags), subdir, name)
        return self._once(key, lambda out: link(objects, out, ld=ld, flags=flags, name=name),
                          subdir)

    def _once(self, key: tuple[object, ...], build: _Build, subdir: str) -> Path:
        if key not in self._built:
            self._built[key] = build(self.root / subdir if subdir else self.root)
        return self._built[key]

