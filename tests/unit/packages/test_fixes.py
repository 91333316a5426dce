"""One fix per package, in the ecosystem's words (expected strings written by hand)."""

from __future__ import annotations

from checker.packages.fixes import fix_for, npm_rebuild_fix
from checker.packages.owners import Distribution, Ecosystem

NUMPY = Distribution("numpy", "2.1.0", Ecosystem.PYTHON, "/var/task/numpy-2.1.0.dist-info/RECORD")
SHARP = Distribution("sharp", "0.34.1", Ecosystem.NODE, "/var/task/node_modules/sharp/package.json")


def test_pip() -> None:
    assert fix_for(NUMPY, arch="x86_64", python=(3, 12)) == (
        "pip install --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.12 "
        "--implementation cp --target build/ numpy==2.1.0")
    assert "manylinux2014_aarch64" in str(fix_for(NUMPY, arch="arm64", python=(3, 12)))


def test_npm() -> None:
    assert fix_for(SHARP, arch="arm64") == "npm install --os=linux --cpu=arm64 --libc=glibc"
    assert npm_rebuild_fix(22).startswith("npm rebuild --target=22.0.0")


def test_custom_runtimes_and_layers() -> None:
    assert fix_for(None, arch="arm64", glibc="2.26") == "zig cc -target aarch64-linux-gnu.2.26"
    assert fix_for(None, arch="arm64", glibc="2.34", language="rust") == (
        "cargo lambda build --release --arm64")
    layer = Distribution("deps", None, Ecosystem.LAYER, "/opt")
    assert fix_for(layer, arch="arm64") is None
