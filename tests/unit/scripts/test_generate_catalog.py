"""scripts/generate_catalog.py on the vendored, trimmed live-Lambda listings
(tests/data/live-dumps).

The expected values are read by hand from those listings (the file names, the rpm lines, the
lifecycle JSON) and from the upstream version rules, not computed by the generator.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.catalog.model import Catalog, Confidence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "generate_catalog.py"
DUMPS = ROOT / "tests" / "data" / "live-dumps" / "docker-lambda"
LIFECYCLE = (ROOT / "tests" / "data" / "live-dumps" / "cfn-lint" / "src" / "cfnlint" / "data"
             / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json")
RUNTIMES = "provided.al2,provided.al2023,python3.12,nodejs24.x"


def generate(out: Path, dumps: Path = DUMPS, runtimes: str = RUNTIMES
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--dumps", str(dumps), "--lifecycle", str(LIFECYCLE),
         "--out", str(out), "--runtimes", runtimes],
        capture_output=True, text=True, check=False, timeout=60)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("catalog")
    done = generate(directory)
    assert done.returncode == 0, done.stderr
    return directory


@pytest.fixture(scope="module")
def catalog(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    directory = tmp_path_factory.mktemp("loadable")
    shutil.copytree(out, directory, dirs_exist_ok=True)
    # the hand-curated sources the generated files cite; the generator never writes this file
    shutil.copy(ROOT / "runtimes" / "sources-curated.toml", directory)
    return load_catalog(directory=directory, today=date(2026, 11, 24))


def test_writes_one_file_per_runtime_and_os(out: Path) -> None:
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.toml"))
    assert names == ["nodejs24.x.toml", "os/al2.toml", "os/al2023.toml", "provided.al2.toml",
                     "provided.al2023.toml", "python3.12.toml", "sources.toml"]


def test_two_runs_give_identical_bytes(out: Path, tmp_path: Path) -> None:
    assert generate(tmp_path).returncode == 0
    first = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.toml"))}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in sorted(tmp_path.rglob("*.toml"))}
    assert first == second


def test_al2023_is_gcc14_with_openssl_35(catalog: Catalog) -> None:
    platform = catalog.runtimes["provided.al2023"].platform("x86_64")
    assert platform is not None
    assert (platform.glibc, platform.libstdcxx, platform.inventory_complete) == \
        ("2.34", "14.2.1", True)
    cxx = platform.library("libstdc++.so.6")  # usr/lib64/libstdc++.so.6.0.33
    assert cxx is not None and cxx.path == "/lib64"
    assert cxx.confidence is Confidence.CONFIRMED
    assert (cxx.defines("GLIBCXX_3.4.33"), cxx.defines("GLIBCXX_3.4.34")) == (True, False)
    assert (cxx.defines("CXXABI_1.3.15"), cxx.defines("CXXABI_1.3.16")) == (True, False)
    assert cxx.defines("CXXABI_FLOAT128") is True
    ssl = platform.library("libssl.so.3")  # libssl.so.3.5.5
    assert ssl is not None
    assert (ssl.defines("OPENSSL_3.5.0"), ssl.defines("OPENSSL_3.6.0")) == (True, False)
    zlib = platform.library("libz.so.1")  # libz.so.1.2.11: last node ZLIB_1.2.9
    assert zlib is not None
    assert (zlib.defines("ZLIB_1.2.9"), zlib.defines("ZLIB_1.2.12")) == (True, False)


def test_glibc_nodes_per_arch(catalog: Catalog) -> None:
    runtime = catalog.runtimes["provided.al2023"]
    x86, arm = runtime.platform("x86_64"), runtime.platform("arm64")
    assert x86 is not None and arm is not None
    libc_x86, libc_arm = x86.library("libc.so.6"), arm.library("libc.so.6")
    assert libc_x86 is not None and libc_arm is not None
    assert libc_x86.defines("GLIBC_2.2.5") is True
    assert libc_arm.defines("GLIBC_2.2.5") is False  # aarch64 glibc starts at GLIBC_2.17
    assert libc_arm.defines("GLIBC_2.17") is True
    assert (libc_arm.defines("GLIBC_2.34"), libc_arm.defines("GLIBC_2.35")) == (True, False)
    # the aarch64 loader is only at usr/lib/ld-linux-aarch64.so.1 (lib -> usr/lib)
    loader = arm.library("ld-linux-aarch64.so.1")
    assert loader is not None and loader.path == "/lib"
    assert arm.library("ld-linux-x86-64.so.2") is None


def test_libgcc_s_nodes_by_gcc_major_and_arch(catalog: Catalog) -> None:
    runtime = catalog.runtimes["provided.al2023"]  # libgcc_s-14-20250110.so.1
    x86, arm = runtime.platform("x86_64"), runtime.platform("arm64")
    assert x86 is not None and arm is not None
    gcc_x86, gcc_arm = x86.library("libgcc_s.so.1"), arm.library("libgcc_s.so.1")
    assert gcc_x86 is not None and gcc_arm is not None
    assert (gcc_x86.defines("GCC_14.0.0"), gcc_x86.defines("GCC_14.0")) == (True, False)
    assert (gcc_arm.defines("GCC_14.0"), gcc_arm.defines("GCC_11.0")) == (True, True)
    assert gcc_x86.defines("GCC_4.8.0") is True and gcc_arm.defines("GCC_4.8.0") is False


def test_node_bundles_libstdcxx_and_openssl_first_on_the_path(catalog: Catalog) -> None:
    platform = catalog.runtimes["nodejs24.x"].platform("arm64")
    assert platform is not None
    cxx = platform.library("libstdc++.so.6")  # var/lang/lib/libstdc++.so.6.0.32 (GCC 13)
    assert cxx is not None and cxx.path == "/var/lang/lib"
    assert (cxx.defines("GLIBCXX_3.4.32"), cxx.defines("GLIBCXX_3.4.33")) == (True, False)
    assert cxx.defines("CXXABI_1.3.14") is True and cxx.defines("CXXABI_1.3.15") is False
    assert cxx.defines("CXXABI_FLOAT128") is False  # x86_64 only
    ssl = platform.library("libssl.so.3")  # no version in its file name: unknown
    assert ssl is not None and ssl.path == "/var/lang/lib"
    assert ssl.defines("OPENSSL_3.0.0") is None
    assert "/var/lang/bin/node" in platform.executables


def test_python_libcrypt_differs_by_arch(catalog: Catalog) -> None:
    runtime = catalog.runtimes["python3.12"]
    x86, arm = runtime.platform("x86_64"), runtime.platform("arm64")
    assert x86 is not None and arm is not None
    crypt1 = x86.library("libcrypt.so.1")  # libcrypt.so.1.1.0: libxcrypt's compat library
    assert crypt1 is not None and crypt1.path == "/var/lang/lib"
    assert (crypt1.defines("XCRYPT_2.0"), crypt1.defines("GLIBC_2.2.5")) == (True, True)
    assert crypt1.defines("XCRYPT_4.4") is None
    assert arm.library("libcrypt.so.1") is None
    crypt2 = arm.library("libcrypt.so.2")
    assert crypt2 is not None and crypt2.defines("XCRYPT_2.0") is True
    assert {"/var/lang/bin/python3", "/var/lang/bin/python3.12", "/bin/sh", "/usr/bin/env"} \
        <= x86.executables


def test_al2_has_expat_from_its_rpm(out: Path, catalog: Catalog) -> None:
    platform = catalog.runtimes["provided.al2"].platform("x86_64")
    assert platform is not None
    assert catalog.runtimes["provided.al2"].arches == ("x86_64",)  # the trimmed AL2 is x86_64
    assert platform.library("libexpat.so.1") is not None
    raw = tomllib.loads((out / "os" / "al2.toml").read_text(encoding="utf-8"))
    groups = raw["os"]["al2"]["libraries"]
    expat = next(g for g in groups if "libexpat.so.1" in g["sonames"])
    assert expat["package"] == "expat-2.1.0-15.amzn2.0.5"
    libc = next(g for g in groups if "libc.so.6" in g["sonames"])
    assert libc["package"] == "glibc-2.26-64.amzn2.0.5"
    assert "GLIBC_2.26" in libc["versions"] and "GLIBC_2.27" not in libc["versions"]


def test_every_fact_names_its_dump(out: Path) -> None:
    sources = tomllib.loads((out / "sources.toml").read_text(encoding="utf-8"))["sources"]
    assert sources["lambda-fs.al2023.arm64"] == {
        "title": sources["lambda-fs.al2023.arm64"]["title"],
        "url": "https://github.com/shogo82148/docker-lambda/blob/"
               "d5e5ae86a9fc6065d5ef0088723bd137c9c19ce7/dockerfiles/base.al2023/fs-arm64.txt",
        "repository": "shogo82148/docker-lambda",
        "commit": "d5e5ae86a9fc6065d5ef0088723bd137c9c19ce7",
        "path": "dockerfiles/base.al2023/fs-arm64.txt", "dumped": "2026-08-07"}
    assert sources["lambda-fs.nodejs24.x.x86_64"]["dumped"] == "2026-05-08"
    assert sources["lifecycle"]["commit"] == "afd7953b0c15ff362086946fb6417f6ec65539ac"


def test_lifecycle_dates(catalog: Catalog) -> None:
    node = tomllib.loads((SCRIPT.parent.parent / "tests" / "data" / "live-dumps" / "cfn-lint"
                          / "SOURCE").read_text(encoding="utf-8"))
    assert node["repository"] == "aws-cloudformation/cfn-lint"
    assert catalog.runtimes["nodejs24.x"].deprecated == date(2028, 4, 30)
    assert catalog.runtimes["provided.al2"].deprecated == date(2026, 7, 31)
    notes = " ".join(catalog.runtimes["provided.al2"].notes)
    assert "from 2027-02-01" in notes and "from 2027-03-03" in notes


def test_a_missing_package_list_is_one_line_exit_2(tmp_path: Path) -> None:
    dumps = tmp_path / "dumps"
    for file in DUMPS.rglob("*"):
        if file.is_file() and file.name != "packages-arm64.txt":
            target = dumps / file.relative_to(DUMPS)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.read_bytes())
    done = generate(tmp_path / "out", dumps=dumps)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "dockerfiles/base.al2023/packages-arm64.txt: missing" in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_unknown_runtime_is_refused(tmp_path: Path) -> None:
    done = generate(tmp_path / "out", runtimes="python9.9")
    assert done.returncode == 2 and "unknown runtime 'python9.9'" in done.stderr


def _copy_dumps(tmp_path: Path) -> Path:
    dumps = tmp_path / "dumps"
    shutil.copytree(DUMPS, dumps)
    return dumps


def _keep_first_half(file: Path) -> None:
    lines = file.read_text().splitlines(keepends=True)
    file.write_text("".join(lines[: len(lines) // 2]))


def _refused(tmp_path: Path, dumps: Path, needle: str) -> None:
    done = generate(tmp_path / "out", dumps=dumps)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr  # one line, no traceback
    assert needle in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("listing", "needle"), [
    ("dockerfiles/base.al2023/fs-x86_64.txt",
     ("dockerfiles/base.al2023/fs-x86_64.txt: no /lib64/libc.so.6, though "
     "dockerfiles/base.al2023/packages-x86_64.txt lists glibc: the listing is truncated")),
    ("dockerfiles/base.al2/fs-x86_64.txt",
     ("dockerfiles/base.al2/fs-x86_64.txt: no /lib64/libc.so.6, though "
     "dockerfiles/base.al2/packages-x86_64.txt lists glibc")),
    ("dockerfiles/python3.12/fs-x86_64.txt",
     ("dockerfiles/python3.12/fs-x86_64.txt: no file in /var/lang/lib: the listing is "
     "truncated")),
    ("dockerfiles/base.al2023/packages-x86_64.txt",
     ("dockerfiles/base.al2023/packages-x86_64.txt: no libstdc++ package, though "
     "packages-arm64.txt has one: the list is truncated")),
])
def test_a_listing_cut_at_a_line_is_one_line_naming_the_file(tmp_path: Path, listing: str,
                                                              needle: str) -> None:
    dumps = _copy_dumps(tmp_path)
    _keep_first_half(dumps / listing)
    _refused(tmp_path, dumps, needle)


def test_a_listing_cut_mid_line_is_one_line_naming_the_file(tmp_path: Path) -> None:
    dumps = _copy_dumps(tmp_path)
    listing = dumps / "dockerfiles" / "nodejs24.x" / "fs-arm64.txt"
    listing.write_bytes(listing.read_bytes()[:-4])
    _refused(tmp_path, dumps, "dockerfiles/nodejs24.x/fs-arm64.txt: the last line (")
    _refused(tmp_path, dumps, "has no newline: the file is cut short")


def test_a_runtime_listing_without_its_interpreter_is_truncated(tmp_path: Path) -> None:
    dumps = _copy_dumps(tmp_path)
    listing = dumps / "dockerfiles" / "nodejs24.x" / "fs-x86_64.txt"
    listing.write_text("".join(line for line in listing.read_text().splitlines(keepends=True)
                               if line.strip() != "var/lang/bin/node"))
    _refused(tmp_path, dumps,
             "dockerfiles/nodejs24.x/fs-x86_64.txt: no /var/lang/bin/node: the listing is "
             "truncated")


def test_a_package_list_cut_mid_line_is_one_line(tmp_path: Path) -> None:
    dumps = _copy_dumps(tmp_path)
    packages = dumps / "dockerfiles" / "base.al2" / "packages-x86_64.txt"
    packages.write_bytes(packages.read_bytes()[:-10])
    _refused(tmp_path, dumps, "dockerfiles/base.al2/packages-x86_64.txt: the last line (")
