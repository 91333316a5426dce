"""Real multi-platform packages from npm and PyPI: only what Lambda loads is judged by the ELF
rules; other platforms' builds are one info per package; a missing platform package is the
error. Findings name the package that shipped the file, with that ecosystem's fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.model import HandlerStyle, Runtime
from checker.findings import Severity, TargetResult
from tests.build.check import check, errors, findings
from tests.build.compile import BuildCache, require_tools
from tests.build.packages import npm_entries, npm_tarball, wheel, wheel_entries
from tests.build.runtimes import python_runtime, runtime
from tests.build.zips import File, make_zip

INDEX = File("index.js", b"exports.handler = async () => ({ ok: true });\n")
APP = File("app.py", b"import selenium\n\ndef handler(event, context):\n    return 1\n")
ELF_RULES = ("architecture", "libc", "native-format", "needed-libraries", "symbol-versions")


def node(major: int = 20) -> Runtime:
    return runtime(f"nodejs{major}.x", family="nodejs", style=HandlerStyle.NODE,
                   language=str(major), glibc="2.34")


def _errors(result: TargetResult) -> list[str]:
    return [f"{f.rule}: {f.path}: {f.message}" for f in result.findings()
            if f.severity >= Severity.WARNING]


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_bcrypt_prebuilds_pass_and_other_platforms_are_one_info(tmp_path: Path,
                                                                arch: str) -> None:
    entries = [*npm_entries(npm_tarball("bcrypt@6.0.0"), "node_modules/bcrypt"), INDEX]
    result = check(make_zip(tmp_path / "fn.zip", entries), node(), arch=arch,
                   handler="index.handler")
    assert _errors(result) == []
    (info,) = findings(result, "platform-binaries")
    assert info.severity is Severity.INFO
    assert info.package == "bcrypt 6.0.0"
    assert info.message.startswith(f"9 binaries of bcrypt 6.0.0 never loaded on Lambda "
                                   f"(linux {arch} glibc)")
    node_arch = "x64" if arch == "x86_64" else "arm64"
    listed = [line.partition(":")[0] for line in info.details]
    assert f"node_modules/bcrypt/prebuilds/linux-{node_arch}/bcrypt.glibc.node" not in listed
    assert f"node_modules/bcrypt/prebuilds/linux-{node_arch}/bcrypt.musl.node" in listed
    assert "node_modules/bcrypt/prebuilds/darwin-x64/bcrypt.node" in listed


def test_the_loaded_bcrypt_prebuild_is_still_judged(tmp_path: Path) -> None:
    """Reachability narrows what is judged, it does not wave through: bcrypt's glibc build
    needs GLIBC_2.x symbols a runtime with an old glibc lacks."""
    entries = [*npm_entries(npm_tarball("bcrypt@6.0.0"), "node_modules/bcrypt"), INDEX]
    old = runtime("nodejs20.x", family="nodejs", style=HandlerStyle.NODE, language="20",
                  glibc="2.5")
    result = check(make_zip(tmp_path / "fn.zip", entries), old, handler="index.handler")
    paths = {f.path for f in errors(result, "symbol-versions")}
    assert paths == {"node_modules/bcrypt/prebuilds/linux-x64/bcrypt.glibc.node"}
    (finding,) = errors(result, "symbol-versions")
    assert finding.package == "bcrypt 6.0.0"
    assert finding.fix == "npm install --os=linux --cpu=x64 --libc=glibc"


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_selenium_wheel_passes_python(tmp_path: Path, arch: str) -> None:
    entries = [*wheel_entries(wheel("selenium==4.27.1")), APP]
    result = check(make_zip(tmp_path / "fn.zip", entries), python_runtime("3.12"), arch=arch,
                   handler="app.handler")
    assert _errors(result) == []
    (info,) = findings(result, "platform-binaries")
    assert info.package == "selenium 4.27.1"
    assert "per-OS helper executables (linux, macos, windows) that Python never loads" \
        in info.message


def _esbuild(*platforms: str) -> list[File]:
    entries = [*npm_entries(npm_tarball("esbuild@0.25.0"), "node_modules/esbuild"), INDEX]
    for platform in platforms:
        entries += npm_entries(npm_tarball(f"@esbuild/{platform}@0.25.0"),
                               f"node_modules/@esbuild/{platform}")
    return entries


def test_esbuild_x64_binary_with_the_arm64_package_passes_arm64(tmp_path: Path) -> None:
    zipped = make_zip(tmp_path / "fn.zip", _esbuild("linux-x64", "linux-arm64"))
    result = check(zipped, node(), arch="arm64", handler="index.handler")
    assert _errors(result) == []
    (info,) = findings(result, "platform-binaries")
    assert info.path == "node_modules/@esbuild/linux-x64/bin/esbuild"
    assert info.package == "@esbuild/linux-x64 0.25.0"


def test_esbuild_without_the_arm64_package_fails_arm64_naming_it(tmp_path: Path) -> None:
    result = check(make_zip(tmp_path / "fn.zip", _esbuild("linux-x64")), node(), arch="arm64",
                   handler="index.handler")
    (error,) = errors(result, "platform-binaries")
    assert error.subject == "@esbuild/linux-arm64"
    assert error.message.startswith("`@esbuild/linux-arm64` is not installed: esbuild 0.25.0 "
                                    "loads it on linux-arm64")
    for rule in ELF_RULES:  # the x64 binary itself is not what fails
        assert errors(result, rule) == []


def test_sharp_without_its_arm64_package_fails_naming_it(tmp_path: Path) -> None:
    entries = [*npm_entries(npm_tarball("sharp@0.34.1"), "node_modules/sharp"), INDEX]
    zipped = make_zip(tmp_path / "fn.zip", entries)
    result = check(zipped, node(), arch="arm64", handler="index.handler")
    subjects = {f.subject for f in errors(result, "platform-binaries")}
    assert "@img/sharp-linux-arm64" in subjects
    (sharp,) = [f for f in errors(result, "platform-binaries")
                if f.subject == "@img/sharp-linux-arm64"]
    assert sharp.path == "node_modules/sharp/package.json"
    assert sharp.package == "sharp 0.34.1"
    assert sharp.fix == "npm install --os=linux --cpu=arm64 --libc=glibc sharp"
    assert "pip" not in sharp.hint + sharp.fix


def test_a_wrong_arch_binary_outside_any_layout_is_judged_and_blamed(
        tmp_path: Path, build_cache: BuildCache) -> None:
    """No layout recognised: judged as always, and the finding names the npm package and
    npm's fix (never pip)."""
    require_tools("gcc")
    source = tmp_path / "addon.c"
    source.write_text("int f(void) { return 1; }\n")
    addon = build_cache.c(source, name="addon.node", flags=["-shared", "-fPIC"],
                          subdir="plain").read_bytes()
    manifest = b'{"name": "plain", "version": "1.2.3"}'
    entries = [File("node_modules/plain/package.json", manifest),
               File("node_modules/plain/build/Release/addon.node", addon), INDEX]
    result = check(make_zip(tmp_path / "fn.zip", entries), node(), arch="arm64",
                   handler="index.handler")
    (finding,) = errors(result, "architecture")
    assert finding.package == "plain 1.2.3"
    assert finding.fix == "npm install --os=linux --cpu=arm64 --libc=glibc"
    assert "pip" not in finding.hint and "zig" not in finding.hint
    assert "cannot open shared object file" in finding.message
    assert "exec format error" not in finding.message
    assert findings(result, "platform-binaries") == []


def test_python_wheel_findings_are_blamed_with_pip(tmp_path: Path,
                                                   build_cache: BuildCache) -> None:
    require_tools("gcc")
    source = tmp_path / "ext.c"
    source.write_text("int f(void) { return 1; }\n")
    ext = build_cache.c(source, name="fast.abi3.so", flags=["-shared", "-fPIC"],
                        subdir="ext").read_bytes()
    metadata = b"Metadata-Version: 2.1\nName: fastpkg\nVersion: 0.9\n"
    record = (b"fastpkg/fast.abi3.so,,\nfastpkg/__init__.py,,\n"
              b"fastpkg-0.9.dist-info/METADATA,,\nfastpkg-0.9.dist-info/RECORD,,\n")
    entries = [File("fastpkg/__init__.py", b""), File("fastpkg/fast.abi3.so", ext),
               File("fastpkg-0.9.dist-info/METADATA", metadata),
               File("fastpkg-0.9.dist-info/RECORD", record), APP]
    result = check(make_zip(tmp_path / "fn.zip", entries), python_runtime("3.12"),
                   arch="arm64", handler="app.handler")
    (finding,) = errors(result, "architecture")
    assert finding.package == "fastpkg 0.9"
    assert finding.fix == ("pip install --platform manylinux2014_aarch64 --only-binary=:all: "
                           "--python-version 3.12 --implementation cp --target build/ "
                           "fastpkg==0.9")
    assert "zig" not in finding.hint and "npm" not in finding.hint
