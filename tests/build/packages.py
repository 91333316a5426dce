"""Real packages from PyPI and npm for tests, fetched once into a cache that makes reruns
offline, and turned into ZIP entries laid out as pip --target / npm install would.

`pip download` and `npm pack` are the ecosystems' own clients. When the cache lacks a package
and the registry cannot be reached, the test is skipped (or fails when
LAMBDACHECK_REQUIRE_NETWORK=1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.build.zips import File

CACHE = Path(os.environ.get("LAMBDACHECK_TEST_CACHE", "/tmp/lambdacheck-test-cache"))
REQUIRE_NETWORK_ENV = "LAMBDACHECK_REQUIRE_NETWORK"


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_NETWORK_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_NETWORK_ENV}=1)")
    pytest.skip(reason)


def _run(command: list[str], cwd: Path) -> None:
    if shutil.which(command[0]) is None:
        _unavailable(f"{command[0]} is not installed")
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180,
                                check=False)
    except subprocess.TimeoutExpired:
        _unavailable(f"{' '.join(command)} timed out")
        return
    if result.returncode != 0:
        _unavailable(f"{' '.join(command)} failed: {result.stderr.strip()[-300:]}")


def npm_tarball(spec: str) -> Path:
    """The `npm pack` tarball of `spec` ("@esbuild/linux-arm64@0.25.0"), cached."""
    directory = CACHE / "npm"
    directory.mkdir(parents=True, exist_ok=True)
    name, _, version = spec.rpartition("@")
    path = directory / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not path.exists():
        _run(["npm", "pack", "--silent", spec], directory)
    return path


def wheel(requirement: str, platform: str | None = None) -> Path:
    """The wheel `pip download` picks for `requirement` ("click==8.3.0"), cached."""
    directory = CACHE / "pip"
    directory.mkdir(parents=True, exist_ok=True)
    name, _, version = requirement.partition("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    found = [p for p in directory.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    if not found:
        command = ["python3", "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "-d", str(directory), requirement]
        if platform is not None:
            command += ["--platform", platform]
        _run(command, directory)
        found = [p for p in directory.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    if not found:
        _unavailable(f"pip download {requirement} gave no wheel")
    return found[0]


def npm_entries(tarball: Path, under: str) -> list[File]:
    """The tarball's files (its package/ prefix replaced by `under`), modes kept."""
    entries = []
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            data = archive.extractfile(member)
            assert data is not None
            name = member.name.partition("/")[2]
            entries.append(File(f"{under}/{name}", data.read(), mode=member.mode & 0o777 or 0o644))
    return entries


def wheel_entries(path: Path, under: str = "") -> list[File]:
    """The wheel's files as `pip install --target` lays them out (under `under`)."""
    prefix = f"{under}/" if under else ""
    with zipfile.ZipFile(path) as archive:
        return [File(prefix + info.filename, archive.read(info),
                     mode=(info.external_attr >> 16) & 0o777 or 0o644)
                for info in archive.infolist() if not info.is_dir()]
