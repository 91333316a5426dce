"""Blame on real packages: a selenium wheel installed with pip --target, npm tarballs laid out
in node_modules (scoped, nested), and a layer's own files."""

from __future__ import annotations

from checker.facts import ArtifactRole
from checker.packages.owners import Distribution, Ecosystem, blame
from checker.packages.tree import Tree
from tests.build.packages import npm_entries, npm_tarball, wheel, wheel_entries
from tests.build.zips import File
from tests.unit.packages.conftest import Read

SELENIUM_RECORD = "/var/task/selenium-4.27.1.dist-info/RECORD"


def test_a_wheel_file_belongs_to_its_distribution(read: Read) -> None:
    entries = [*wheel_entries(wheel("selenium==4.27.1")), File("app.py", b"import selenium\n")]
    owners = blame(Tree(read(entries)))
    selenium = Distribution("selenium", "4.27.1", Ecosystem.PYTHON, SELENIUM_RECORD)
    assert owners.owner("/var/task/selenium/webdriver/common/linux/selenium-manager") == selenium
    assert owners.owner("/var/task/selenium-4.27.1.dist-info/METADATA") == selenium
    assert owners.owner("/var/task/app.py") is None


def test_a_record_relative_to_site_packages_in_a_layer(read: Read) -> None:
    site = "python/lib/python3.12/site-packages"
    layer = read([File(f"{site}/mod.py", b""),
                  File(f"{site}/demo-1.0.dist-info/METADATA", b"Name: demo\nVersion: 1.0\n"),
                  File(f"{site}/demo-1.0.dist-info/RECORD",
                       b"mod.py,sha256=x,0\ndemo-1.0.dist-info/METADATA,,\n../../../bin/tool,,\n"),
                  File("python/bin/tool", b"#!/bin/sh\n"), File("other.txt", b"")],
                 ArtifactRole.LAYER)
    owners = blame(Tree(read([File("app.py", b"")]), [layer]), ["arn:aws:lambda:l:1:layer:x:3"])
    demo = owners.owner(f"/opt/{site}/mod.py")
    assert demo is not None and (demo.name, demo.version) == ("demo", "1.0")
    assert owners.owner("/opt/python/bin/tool") == demo
    layer_owner = owners.owner("/opt/other.txt")
    assert layer_owner == Distribution("arn:aws:lambda:l:1:layer:x:3", None, Ecosystem.LAYER,
                                       "/opt")


def test_egg_info_installed_files(read: Read) -> None:
    artifact = read([File("old/__init__.py", b""),
                     File("old-0.1.egg-info/PKG-INFO", b"Name: old\nVersion: 0.1\n"),
                     File("old-0.1.egg-info/installed-files.txt",
                          b"../old/__init__.py\nPKG-INFO\n")])
    owner = blame(Tree(artifact)).owner("/var/task/old/__init__.py")
    assert owner is not None and (owner.name, owner.version) == ("old", "0.1")


def test_node_packages_scoped_and_nested_innermost_wins(read: Read) -> None:
    entries = [*npm_entries(npm_tarball("esbuild@0.25.0"), "node_modules/esbuild"),
               *npm_entries(npm_tarball("@esbuild/linux-arm64@0.25.0"),
                            "node_modules/esbuild/node_modules/@esbuild/linux-arm64")]
    owners = blame(Tree(read(entries)))
    inner = owners.owner("/var/task/node_modules/esbuild/node_modules/@esbuild/linux-arm64/bin/"
                         "esbuild")
    assert inner == Distribution(
        "@esbuild/linux-arm64", "0.25.0", Ecosystem.NODE,
        "/var/task/node_modules/esbuild/node_modules/@esbuild/linux-arm64/package.json")
    outer = owners.owner("/var/task/node_modules/esbuild/install.js")
    assert outer is not None and (outer.name, outer.version) == ("esbuild", "0.25.0")


def test_a_node_package_in_a_layer_beats_the_layer(read: Read) -> None:
    layer = read(npm_entries(npm_tarball("bcrypt@6.0.0"), "nodejs/node_modules/bcrypt"),
                 ArtifactRole.LAYER)
    owners = blame(Tree(read([File("index.js", b"")]), [layer]), ["deps"])
    owner = owners.owner("/opt/nodejs/node_modules/bcrypt/prebuilds/linux-x64/bcrypt.glibc.node")
    assert owner is not None and (owner.name, owner.ecosystem) == ("bcrypt", Ecosystem.NODE)
