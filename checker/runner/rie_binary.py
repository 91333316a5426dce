"""Find an aws-lambda-rie binary for an architecture, for images that do not carry one.

The RIE binaries ship inside the aws-sam-cli wheel (samcli/local/rapid/aws-lambda-rie-ARCH).
Looked for, in order: an installed `samcli` package, then aws_sam_cli-*.whl in the stand-in
build cache (scripts/build_standins.sh downloads it there); a binary taken from a wheel is
kept in the user's cache directory, so it is extracted once.
"""

from __future__ import annotations

import importlib.util
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

WHEEL_MEMBER = "samcli/local/rapid/aws-lambda-rie-{arch}"
_WHEEL_VERSION = re.compile(r"aws_sam_cli-(\d+(?:\.\d+)*)-")


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def wheel_dirs() -> tuple[Path, ...]:
    """Where aws-sam-cli wheels may lie: the stand-in build cache."""
    standins = os.environ.get("LAMBDACHECK_STANDIN_CACHE")
    base = Path(standins) if standins else cache_root() / "lambdacheck-standins"
    return (base / "downloads",)


def find_rie(arch: str) -> Path | None:
    """An executable aws-lambda-rie for `arch` ("x86_64", "arm64"), or None."""
    installed = _from_installed_samcli(arch)
    if installed is not None:
        return installed
    for directory in wheel_dirs():
        for wheel in _newest_first(directory.glob("aws_sam_cli-*.whl")):
            found = _from_wheel(wheel, arch)
            if found is not None:
                return found
    return None


def _from_installed_samcli(arch: str) -> Path | None:
    try:
        spec = importlib.util.find_spec("samcli")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "local" / "rapid" / f"aws-lambda-rie-{arch}"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _newest_first(wheels: Iterable[Path]) -> list[Path]:
    return sorted(wheels, key=_wheel_version, reverse=True)


def _wheel_version(path: Path) -> tuple[int, ...]:
    match = _WHEEL_VERSION.match(path.name)
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def _from_wheel(wheel: Path, arch: str) -> Path | None:
    target = cache_root() / "lambdacheck" / "rie" / wheel.stem / f"aws-lambda-rie-{arch}"
    if target.is_file():
        return target
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(WHEEL_MEMBER.format(arch=arch))
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_bytes(data)
        partial.chmod(0o755)
        partial.replace(target)
    except OSError:
        return None
    return target
