"""Probing a real image through the engine (nothing is run in it) and loading the result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import docker
import pytest

from checker.catalog.load import load_catalog
from checker.runner.probe import probe_image, runtime_toml
from tests.integration.conftest import STANDIN_IMAGES, STANDINS

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

pytestmark = pytest.mark.docker

ROOTFS_LIBC = "/lib/x86_64-linux-gnu/libc-2.31.so"  # what libc.so.6 links to in bullseye


def readelf_version_defs(docker_client: docker.DockerClient, tmp_path: Path) -> set[str]:
    """The version nodes libc.so.6 defines, by binutils' readelf on a copy from the image."""
    container = docker_client.containers.create(STANDIN_IMAGES[1], entrypoint=["/never-run"])
    try:
        stream, _ = container.get_archive(ROOTFS_LIBC)
        (tmp_path / "libc.tar").write_bytes(b"".join(stream))
    finally:
        container.remove(force=True)
    subprocess.run(["tar", "-xf", "libc.tar"], cwd=tmp_path, check=True)
    listing = subprocess.run(["readelf", "-V", "--wide", str(tmp_path / "libc-2.31.so")],
                             capture_output=True, text=True, check=True).stdout
    definitions = listing.split("Version definition section")[1].split("Version needs")[0]
    names = {part.split()[0] for part in definitions.split("Name: ")[1:]}
    return names - {"libc.so.6"}


def test_probe_of_the_python_standin(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    before = docker_client.containers.list(all=True)
    probe = probe_image(STANDIN_IMAGES[1], arch="x86_64", pull=False)
    assert docker_client.containers.list(all=True) == before
    assert (probe.glibc, probe.family, probe.language_version) == ("2.31", "python", "3.9")
    libc = {lib.soname: lib for lib in probe.libraries}["libc.so.6"]
    assert libc.directory == "/lib/x86_64-linux-gnu"
    assert set(libc.versions) == readelf_version_defs(docker_client, tmp_path)
    assert "/usr/bin/python3" in probe.executables and "/bin/sh" in probe.executables
    assert probe.ld_library_path[:2] == ("/var/lang/lib", "/lib64")

    written = tmp_path / "probed.toml"
    written.write_text(runtime_toml(probe, "probed-python"))
    runtime = load_catalog([written]).get("probed-python")
    assert runtime is not None
    platform = runtime.platform("x86_64")
    assert platform is not None
    assert platform.glibc == "2.31"
    library = platform.library("libc.so.6")
    assert library is not None
    assert (library.defines("GLIBC_2.30"), library.defines("GLIBC_2.34")) == (True, False)


def test_checked_in_runtime_files_match_a_fresh_probe() -> None:
    """tests/data/standins/*.toml were written by the probe; a rebuilt stand-in must agree."""
    for image, file in zip(STANDIN_IMAGES, ("provided.toml", "python3.9.toml"), strict=True):
        fresh = _os_facts(tomllib.loads(runtime_toml(probe_image(image, pull=False), "x")))
        kept = _os_facts(tomllib.loads((STANDINS / file).read_text()))
        assert fresh == kept, f"{file} is stale: regenerate it with `lambdacheck runtimes probe`"


def _os_facts(document: dict[str, Any]) -> tuple[str, dict[str, tuple[str, tuple[str, ...]]]]:
    """glibc, and soname -> (directory, versions), of the file's one OS."""
    (os_table,) = document["os"].values()
    libraries = {group["sonames"][0]: (group["path"], tuple(group["versions"]))
                 for group in os_table["libraries"]}
    return os_table["glibc"]["value"], libraries
