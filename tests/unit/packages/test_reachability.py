"""What Lambda loads from real multi-platform packages: bcrypt's prebuilds, esbuild's and
sharp's optional platform packages, a napi-rs package, selenium's per-OS helpers."""

from __future__ import annotations

from checker.facts import ArtifactRole
from checker.packages.reachability import (
    Platform,
    Verdict,
    judge,
    missing_platform_packages,
    platform_package_for,
)
from checker.packages.tree import Tree
from tests.build.packages import npm_entries, npm_tarball, wheel, wheel_entries
from tests.build.zips import File
from tests.unit.packages.conftest import Read

ARM64 = Platform("arm64")
X86_64 = Platform("x86_64")
BCRYPT = "/var/task/node_modules/bcrypt/prebuilds"


def test_bcrypt_prebuilds_only_linux_glibc_of_the_arch_is_loaded(read: Read) -> None:
    tree = Tree(read(npm_entries(npm_tarball("bcrypt@6.0.0"), "node_modules/bcrypt")))
    binaries = [e.abs_path for e in tree.files() if e.abs_path.endswith(".node")]
    assert len(binaries) == 10
    for platform, arch in ((ARM64, "arm64"), (X86_64, "x64")):
        verdicts = judge(tree, binaries, platform)
        reachable = sorted(p for p, r in verdicts.items() if r.verdict is Verdict.REACHABLE)
        assert reachable == [f"{BCRYPT}/linux-{arch}/bcrypt.glibc.node"]
        assert all(r.verdict is Verdict.NOT_LOADED for p, r in verdicts.items()
                   if p not in reachable)
        musl = verdicts[f"{BCRYPT}/linux-{arch}/bcrypt.musl.node"]
        assert musl.reason is not None and "musl" in musl.reason
        darwin = verdicts[f"{BCRYPT}/darwin-x64/bcrypt.node"]
        assert darwin.reason == (f"a prebuild for darwin-x64; node-gyp-build loads only "
                                 f"prebuilds/linux-{arch}/ on Lambda")
    assert missing_platform_packages(tree, ARM64) == []


def test_esbuild_x64_binary_in_an_arm64_function_is_not_loaded(read: Read) -> None:
    entries = [*npm_entries(npm_tarball("esbuild@0.25.0"), "node_modules/esbuild"),
               *npm_entries(npm_tarball("@esbuild/linux-x64@0.25.0"),
                            "node_modules/@esbuild/linux-x64"),
               *npm_entries(npm_tarball("@esbuild/linux-arm64@0.25.0"),
                            "node_modules/@esbuild/linux-arm64")]
    tree = Tree(read(entries))
    x64 = "/var/task/node_modules/@esbuild/linux-x64/bin/esbuild"
    arm = "/var/task/node_modules/@esbuild/linux-arm64/bin/esbuild"
    verdicts = judge(tree, [x64, arm], ARM64)
    assert verdicts[x64].verdict is Verdict.NOT_LOADED
    assert verdicts[x64].reason == ("@esbuild/linux-x64 is for cpu x64; npm installs it only "
                                    "there and nothing requires it on linux-arm64 (glibc)")
    assert verdicts[arm].verdict is Verdict.UNKNOWN  # for this platform: judged as any binary
    assert missing_platform_packages(tree, ARM64) == []


def test_esbuild_without_its_arm64_package_names_the_missing_one(read: Read) -> None:
    entries = [*npm_entries(npm_tarball("esbuild@0.25.0"), "node_modules/esbuild"),
               *npm_entries(npm_tarball("@esbuild/linux-x64@0.25.0"),
                            "node_modules/@esbuild/linux-x64")]
    missing = missing_platform_packages(Tree(read(entries)), ARM64)
    assert [(m.package, m.version, m.expected) for m in missing] == [
        ("esbuild", "0.25.0", "@esbuild/linux-arm64")]
    assert missing[0].fix.startswith("fix: npm install --os=linux --cpu=arm64 --libc=glibc")
    assert missing_platform_packages(Tree(read(entries)), X86_64) == []


def test_sharp_installed_without_platform_packages(read: Read) -> None:
    tree = Tree(read(npm_entries(npm_tarball("sharp@0.34.1"), "node_modules/sharp")))
    missing = missing_platform_packages(tree, ARM64)
    assert [m.expected for m in missing] == ["@img/sharp-libvips-linux-arm64",
                                             "@img/sharp-linux-arm64"]
    assert missing[1].message == (
        "`@img/sharp-linux-arm64` is not installed: sharp 0.34.1 loads it on linux-arm64 "
        "(glibc) and fails without it; npm installed the optional platform packages for the "
        "build machine only")


def test_a_platform_package_in_a_layer_resolves_through_node_path(read: Read) -> None:
    function = read(npm_entries(npm_tarball("sharp@0.34.1"), "node_modules/sharp"))
    layer_entries = [File("nodejs/node_modules/@img/sharp-linux-x64/package.json",
                          b'{"name": "@img/sharp-linux-x64", "os": ["linux"], "cpu": ["x64"]}'),
                     File("nodejs/node20/node_modules/@img/sharp-libvips-linux-x64/package.json",
                          b'{"name": "@img/sharp-libvips-linux-x64"}')]
    layer = read(layer_entries, ArtifactRole.LAYER)
    assert missing_platform_packages(Tree(function, [layer]), X86_64) == []


def test_napi_rs_gnu_package(read: Read) -> None:
    entries = [*npm_entries(npm_tarball("@node-rs/xxhash@1.7.6"), "node_modules/@node-rs/xxhash"),
               *npm_entries(npm_tarball("@node-rs/xxhash-linux-x64-gnu@1.7.6"),
                            "node_modules/@node-rs/xxhash-linux-x64-gnu")]
    tree = Tree(read(entries))
    addon = "/var/task/node_modules/@node-rs/xxhash-linux-x64-gnu/xxhash.linux-x64-gnu.node"
    assert judge(tree, [addon], X86_64)[addon].verdict is Verdict.UNKNOWN
    assert judge(tree, [addon], ARM64)[addon].verdict is Verdict.NOT_LOADED
    assert missing_platform_packages(tree, X86_64) == []
    assert [m.expected for m in missing_platform_packages(tree, ARM64)] == [
        "@node-rs/xxhash-linux-arm64-gnu"]


def test_selenium_manager_helpers_are_not_loaded(read: Read) -> None:
    tree = Tree(read(wheel_entries(wheel("selenium==4.27.1"))))
    common = "/var/task/selenium/webdriver/common"
    helpers = [f"{common}/linux/selenium-manager", f"{common}/macos/selenium-manager",
               f"{common}/windows/selenium-manager.exe"]
    assert all(tree.is_file(h) for h in helpers)
    verdicts = judge(tree, helpers, ARM64)
    assert {r.verdict for r in verdicts.values()} == {Verdict.NOT_LOADED}
    assert "macOS" in (verdicts[helpers[1]].reason or "")


def test_node_pre_gyp_bindings(read: Read) -> None:
    base = "node_modules/sqlite3/lib/binding"
    tree = Tree(read([File(f"{base}/napi-v6-linux-glibc-x64/node_sqlite3.node", b"x"),
                      File(f"{base}/node-v108-linux-x64/a.node", b"x"),
                      File(f"{base}/node-v108-darwin-arm64/a.node", b"x"),
                      File(f"{base}/Release/node-v115-linux-arm64/a.node", b"x")]))
    paths = [e.abs_path for e in tree.files()]
    verdicts = {p.removeprefix(f"/var/task/{base}/"): r.verdict
                for p, r in judge(tree, paths, X86_64).items()}
    assert verdicts == {
        "napi-v6-linux-glibc-x64/node_sqlite3.node": Verdict.UNKNOWN,  # not the layout: as today
        "node-v108-linux-x64/a.node": Verdict.REACHABLE,
        "node-v108-darwin-arm64/a.node": Verdict.NOT_LOADED,
        "Release/node-v115-linux-arm64/a.node": Verdict.NOT_LOADED,
    }


def test_binaries_outside_any_layout_are_unknown(read: Read) -> None:
    tree = Tree(read([File("lib/libfoo.so", b"x"), File("bin/tool", b"x")]))
    verdicts = judge(tree, ["/var/task/lib/libfoo.so", "/var/task/bin/tool"], ARM64)
    assert {r.verdict for r in verdicts.values()} == {Verdict.UNKNOWN}


def test_platform_package_names() -> None:
    assert platform_package_for("@img/sharp-linux-arm64") == ("linux", "arm64", None)
    assert platform_package_for("@swc/core-linux-x64-musl") == ("linux", "x64", "musl")
    assert platform_package_for("@img/sharp-linuxmusl-x64") == ("linux", "x64", "musl")
    assert platform_package_for("@esbuild/win32-x64") == ("win32", "x64", None)
    assert platform_package_for("fsevents") is None
    assert platform_package_for("left-pad") is None
