"""The runtime catalog: shipped facts, load-time validation, runtime files, the built wheel.

Expected values are written out here from shared/runtime-facts/runtime-inventory.md and the
GCC sources, never read back from the catalog.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import venv
from datetime import date
from pathlib import Path

import packaging
import pytest

import checker
from checker.catalog.load import catalog_dir, load_catalog
from checker.catalog.model import Catalog, HandlerStyle, Platform
from checker.errors import CatalogError

REPO = Path(__file__).resolve().parents[3]
BOTH = ("x86_64", "arm64")
REQUIRED = {
    "provided": ("x86_64",), "provided.al2": BOTH, "provided.al2023": BOTH,
    "python3.8": BOTH, "python3.9": BOTH, "python3.10": BOTH, "python3.11": BOTH,
    "python3.12": BOTH, "python3.13": BOTH, "python3.14": BOTH,
    "nodejs18.x": BOTH, "nodejs20.x": BOTH, "nodejs22.x": BOTH, "nodejs24.x": BOTH,
    "java8.al2": BOTH, "java11": BOTH, "java17": BOTH, "java21": BOTH, "java25": BOTH,
    "java8.al2023": BOTH, "java11.al2023": BOTH, "java17.al2023": BOTH,
    "ruby3.2": BOTH, "ruby3.3": BOTH, "ruby3.4": BOTH, "ruby4.0": BOTH,
    "dotnet8": BOTH, "dotnet10": BOTH,
}
AL2_RUNTIMES = ("provided.al2", "python3.8", "python3.9", "python3.10", "python3.11",
                "nodejs18.x", "java8.al2", "java11", "java17", "ruby3.2")
AL2023_RUNTIMES = ("provided.al2023", "python3.12", "python3.13", "python3.14", "nodejs20.x",
                   "nodejs22.x", "nodejs24.x", "java21", "java25", "java8.al2023",
                   "java11.al2023", "java17.al2023", "ruby3.3", "ruby3.4", "ruby4.0", "dotnet8",
                   "dotnet10")
# libgcc_s.so.1 of GCC 7 (AL2) and GCC 11 (AL2023): libgcc-std.ver.in + the target map, empty
# nodes dropped by mkmap-symver.awk (runtime-inventory.md §3.1/§4, GCC sources).
GCC7_X86_64 = frozenset({
    "libgcc_s.so.1", "GCC_3.0", "GCC_3.3", "GCC_3.3.1", "GCC_3.4", "GCC_3.4.2", "GCC_3.4.4",
    "GCC_4.0.0", "GCC_4.2.0", "GCC_4.3.0", "GCC_4.7.0", "GCC_4.8.0", "GCC_7.0.0",
})
GCC7_AARCH64 = frozenset({
    "libgcc_s.so.1", "GLIBC_2.0", "GCC_3.0", "GCC_3.3", "GCC_3.3.1", "GCC_3.4", "GCC_3.4.2",
    "GCC_3.4.4", "GCC_4.0.0", "GCC_4.2.0", "GCC_4.3.0", "GCC_4.5.0", "GCC_4.7.0", "GCC_7.0.0",
})


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(today=date(2026, 11, 24))


def platform(catalog: Catalog, runtime: str, arch: str) -> Platform:
    found = catalog.get(runtime)
    assert found is not None, runtime
    result = found.platform(arch)
    assert result is not None, (runtime, arch)
    return result


def defines(catalog: Catalog, runtime: str, arch: str, soname: str, version: str) -> bool | None:
    library = platform(catalog, runtime, arch).library(soname)
    assert library is not None, (runtime, arch, soname)
    return library.defines(version)


# ---- the shipped catalog ---------------------------------------------------------------------

def test_every_required_runtime_is_there_with_its_architectures(catalog: Catalog) -> None:
    for name, arches in REQUIRED.items():
        runtime = catalog.get(name)
        assert runtime is not None, name
        assert runtime.arches == arches, name


@pytest.mark.parametrize("name", AL2_RUNTIMES)
def test_al2_runtimes_have_glibc_2_26(catalog: Catalog, name: str) -> None:
    runtime = catalog.get(name)
    assert runtime is not None
    assert (runtime.os_id, runtime.os_name) == ("al2", "Amazon Linux 2")
    assert {p.glibc for p in runtime.platforms.values()} == {"2.26"}


@pytest.mark.parametrize("name", AL2023_RUNTIMES)
def test_al2023_runtimes_have_glibc_2_34(catalog: Catalog, name: str) -> None:
    runtime = catalog.get(name)
    assert runtime is not None
    assert (runtime.os_id, runtime.os_name) == ("al2023", "Amazon Linux 2023")
    assert {p.glibc for p in runtime.platforms.values()} == {"2.34"}


def test_provided_is_amazon_linux_1_with_glibc_2_17(catalog: Catalog) -> None:
    assert platform(catalog, "provided", "x86_64").glibc == "2.17"
    assert platform(catalog, "provided", "x86_64").image == "public.ecr.aws/lambda/provided:alami"


@pytest.mark.parametrize("arch", BOTH)
@pytest.mark.parametrize("soname", ["libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
                                    "librt.so.1"])
def test_glibc_version_nodes(catalog: Catalog, arch: str, soname: str) -> None:
    assert defines(catalog, "python3.11", arch, soname, "GLIBC_2.26") is True
    assert defines(catalog, "python3.11", arch, soname, "GLIBC_2.27") is False
    assert defines(catalog, "python3.11", arch, soname, "GLIBC_2.28") is False
    assert defines(catalog, "python3.12", arch, soname, "GLIBC_2.28") is True
    assert defines(catalog, "python3.12", arch, soname, "GLIBC_2.34") is True
    assert defines(catalog, "python3.12", arch, soname, "GLIBC_2.35") is False
    assert defines(catalog, "python3.12", arch, soname, "GLIBC_PRIVATE") is True


def test_dynamic_loader_and_libmvec_differ_per_arch(catalog: Catalog) -> None:
    for runtime in ("python3.11", "python3.12"):
        x86, arm = platform(catalog, runtime, "x86_64"), platform(catalog, runtime, "arm64")
        assert x86.library("ld-linux-x86-64.so.2") is not None
        assert x86.library("ld-linux-aarch64.so.1") is None
        assert arm.library("ld-linux-aarch64.so.1") is not None
        assert arm.library("ld-linux-x86-64.so.2") is None
        assert x86.library("libmvec.so.1") is not None
        assert arm.library("libmvec.so.1") is None


@pytest.mark.parametrize("arch", BOTH)
def test_libstdcxx_nodes(catalog: Catalog, arch: str) -> None:
    al2 = ("python3.11", arch, "libstdc++.so.6")
    assert defines(catalog, *al2, "GLIBCXX_3.4.24") is True
    assert defines(catalog, *al2, "GLIBCXX_3.4.25") is False
    assert defines(catalog, *al2, "CXXABI_1.3.11") is True
    assert defines(catalog, *al2, "CXXABI_1.3.12") is False
    assert defines(catalog, *al2, "CXXABI_TM_1") is True
    al2023 = ("python3.12", arch, "libstdc++.so.6")
    # the live listings: usr/lib64/libstdc++.so.6.0.33 (GCC 14), not the GCC 11 floor assumed
    assert defines(catalog, *al2023, "GLIBCXX_3.4.33") is True
    assert defines(catalog, *al2023, "GLIBCXX_3.4.34") is False
    assert defines(catalog, *al2023, "CXXABI_1.3.15") is True
    assert defines(catalog, *al2023, "CXXABI_1.3.16") is False
    assert platform(catalog, "python3.11", arch).libstdcxx == "7.3.1"


def test_cxxabi_float128_only_on_x86_64(catalog: Catalog) -> None:
    assert defines(catalog, "python3.11", "x86_64", "libstdc++.so.6", "CXXABI_FLOAT128") is True
    # the exact set of libstdc++.so.6.0.24 is known on both arches now
    assert defines(catalog, "python3.11", "arm64", "libstdc++.so.6", "CXXABI_FLOAT128") is False


def test_libgcc_s_exact_sets(catalog: Catalog) -> None:
    def versions(runtime: str, arch: str) -> frozenset[str] | None:
        library = platform(catalog, runtime, arch).library("libgcc_s.so.1")
        assert library is not None
        return library.versions

    assert versions("python3.11", "x86_64") == GCC7_X86_64
    assert versions("python3.11", "arm64") == GCC7_AARCH64
    # AL2023's libgcc is GCC 14 (packages-<arch>.txt: libgcc-14.2.1), not GCC 11
    assert versions("python3.12", "x86_64") == GCC7_X86_64 | {"GCC_12.0.0", "GCC_13.0.0",
                                                              "GCC_14.0.0"}
    assert versions("python3.12", "arm64") == GCC7_AARCH64 | {"GCC_11.0", "GCC_13.0.0",
                                                              "GCC_14.0.0", "GCC_14.0"}
    assert defines(catalog, "python3.12", "x86_64", "libgcc_s.so.1", "GCC_15.0.0") is False
    assert defines(catalog, "python3.11", "x86_64", "libgcc_s.so.1", "GCC_4.4.0") is False


def test_openssl(catalog: Catalog) -> None:
    # complete listings of both arches: not listed means not there (no absent table needed)
    for arch in BOTH:
        al2 = platform(catalog, "python3.11", arch)
        assert al2.inventory_complete is True
        assert al2.library("libssl.so.3") is None
        assert al2.library("libssl.so.10") is not None
        assert al2.library("libcrypto.so.10") is not None
        assert defines(catalog, "python3.11", arch, "libcrypto.so.10", "OPENSSL_1.0.2") is True
        al2023 = platform(catalog, "python3.12", arch)
        assert al2023.library("libssl.so.3") is not None
        assert al2023.library("libssl.so.10") is None


def test_nodejs22_bundles_an_older_libcrypto_first_on_the_path(catalog: Catalog) -> None:
    library = platform(catalog, "nodejs22.x", "x86_64").library("libcrypto.so.3")
    assert library is not None
    assert library.path == "/var/lang/lib"
    assert library.defines("OPENSSL_3.3.0") is True
    assert library.defines("OPENSSL_3.4.0") is False


def test_inventory_completeness(catalog: Catalog) -> None:
    assert platform(catalog, "python3.11", "x86_64").inventory_complete is True
    # listings of both arches exist for AL2 and AL2023; dotnet9's own /var/lang has none
    assert platform(catalog, "python3.11", "arm64").inventory_complete is True
    assert platform(catalog, "python3.12", "x86_64").inventory_complete is True
    assert platform(catalog, "dotnet9", "x86_64").inventory_complete is False


def test_executables(catalog: Catalog) -> None:
    for runtime in ("provided.al2", "provided.al2023", "python3.12"):
        assert {"/bin/sh", "/usr/bin/env"} <= platform(catalog, runtime, "x86_64").executables
    assert "/usr/bin/python3" not in platform(catalog, "provided.al2023", "x86_64").executables
    assert "/var/lang/bin/python3" not in \
        platform(catalog, "provided.al2023", "x86_64").executables
    assert "/var/lang/bin/python3" in platform(catalog, "python3.12", "arm64").executables


def test_ld_library_path(catalog: Catalog) -> None:
    assert platform(catalog, "python3.12", "x86_64").ld_library_path == (
        "/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime", "/var/runtime/lib",
        "/var/task", "/var/task/lib", "/opt/lib")


def test_images_and_handler_styles(catalog: Catalog) -> None:
    for arch in BOTH:
        assert platform(catalog, "python3.12", arch).image == "public.ecr.aws/lambda/python:3.12"
        assert platform(catalog, "nodejs20.x", arch).image == "public.ecr.aws/lambda/nodejs:20"
        assert platform(catalog, "java8.al2", arch).image == "public.ecr.aws/lambda/java:8.al2"
    styles = {n: r.handler_style for n, r in catalog.runtimes.items()}
    assert styles["python3.12"] is HandlerStyle.PYTHON
    assert styles["provided.al2023"] is HandlerStyle.CUSTOM
    assert styles["dotnet8"] is HandlerStyle.DOTNET


def test_deprecation_dates(catalog: Catalog) -> None:
    expected = {"python3.8": date(2024, 10, 14), "python3.9": date(2025, 12, 15),
                "nodejs18.x": date(2025, 9, 1), "python3.12": date(2028, 10, 31),
                "provided.al2": date(2026, 7, 31), "ruby3.2": date(2026, 3, 31)}
    for name, when in expected.items():
        runtime = catalog.get(name)
        assert runtime is not None
        assert runtime.deprecated == when, name
        assert runtime.deprecated_sources, name
    python39 = catalog.get("python3.9")
    assert python39 is not None
    assert python39.is_deprecated(date(2026, 11, 24))
    assert not python39.is_deprecated(date(2025, 12, 14))


def test_today_words_the_block_notes() -> None:
    def notes(today: date) -> tuple[str, ...]:
        runtime = load_catalog(today=today).get("python3.9")
        assert runtime is not None
        return runtime.notes

    assert "Lambda blocks creating python3.9 functions from 2027-02-01" in notes(date(2026, 1, 1))
    assert "Lambda has blocked creating python3.9 functions from 2027-02-01" in \
        notes(date(2027, 2, 1))


def test_every_fact_cites_a_source_that_exists(catalog: Catalog) -> None:
    def check(ids: tuple[str, ...], what: str) -> None:
        assert ids, what
        assert set(ids) <= set(catalog.sources), what

    for name, runtime in catalog.runtimes.items():
        check(runtime.sources, name)
        if runtime.deprecated is not None:
            check(runtime.deprecated_sources, f"{name} deprecation")
        for arch, plat in runtime.platforms.items():
            check(plat.glibc_sources, f"{name} {arch} glibc")
            for soname, library in plat.libraries.items():
                check(library.sources, f"{name} {arch} {soname}")
            for soname, missing in plat.absent.items():
                check(missing.sources, f"{name} {arch} {soname} (absent)")
    for source in catalog.sources.values():
        assert source.title


def test_catalog_dir_is_the_source_tree_in_a_checkout() -> None:
    if not Path(checker.__file__).is_relative_to(REPO):
        pytest.skip("checker is imported from an installed wheel, not this checkout")
    assert Path(str(catalog_dir())) == REPO / "runtimes"


# ---- bad runtime files -----------------------------------------------------------------------

GOOD_RUNTIME = """
[runtime."my-runtime"]
os = "al2023"
family = "provided"
arches = ["x86_64", "arm64"]
image = "example.com/my:1"
sources = ["S6"]
"""


def load_error(tmp_path: Path, text: str) -> CatalogError:
    path = tmp_path / "custom.toml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(CatalogError) as caught:
        load_catalog([path])
    error = caught.value
    assert "\n" not in error.message
    assert error.hint is None or "\n" not in error.hint
    return error


def test_good_runtime_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(GOOD_RUNTIME)
    runtime = load_catalog([path]).get("my-runtime")
    assert runtime is not None
    assert runtime.origin == str(path)


def test_unknown_key_names_file_path_and_suggestion(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace("image =", "imgae ="))
    assert error.message == f'{tmp_path / "custom.toml"}: runtime.my-runtime: unknown key ' \
                            "'imgae'"
    assert error.hint == "did you mean 'image'?"


def test_unknown_nested_key(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME + """
        [[runtime.my-runtime.libraries]]
        sonames = ["libx.so.1"]
        confidence = "confirmed"
        sources = ["S6"]
        serie = { "X_" = "1" }
        """)
    assert 'runtime.my-runtime.libraries[0]: unknown key \'serie\'' in error.message
    assert error.hint == "did you mean 'series'?"


def test_wrong_type(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('["x86_64", "arm64"]', '"x86_64"'))
    assert error.message.endswith('runtime.my-runtime.arches: expected a list of strings, '
                                  "got a string")


@pytest.mark.parametrize(("change", "expected"), [
    (('os = "al2023"', "os = 2023"), "runtime.my-runtime.os: expected a string, got an integer"),
    (('image = "example.com/my:1"', "image = true"),
     "runtime.my-runtime.image: expected a string, got a boolean"),
    (('sources = ["S6"]', 'sources = "S6"'),
     "runtime.my-runtime.sources: expected a list of strings, got a string"),
    (('sources = ["S6"]', 'sources = ["S6", 7]'),
     "runtime.my-runtime.sources[1]: expected a string, got an integer"),
    (('image = "example.com/my:1"', "images = {x86_64 = \"a\", arm64 = 64}"),
     "runtime.my-runtime.images.arm64: expected a string, got an integer"),
    (('sources = ["S6"]', 'sources = ["S6"]\npreview = "yes"'),
     "runtime.my-runtime.preview: expected true or false, got a string"),
    (('sources = ["S6"]', 'sources = ["S6"]\nlibraries = "libx.so.1"'),
     "runtime.my-runtime.libraries: expected an array of tables ([[...]]), got a string"),
    (('sources = ["S6"]', 'sources = ["S6"]\ndeprecation = 2028'),
     "runtime.my-runtime.deprecation: expected a table, got an integer"),
])
def test_each_wrong_type_names_the_file_and_the_key(tmp_path: Path, change: tuple[str, str],
                                                    expected: str) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace(*change))
    assert error.message == f"{tmp_path / 'custom.toml'}: {expected}"


def test_a_wrong_type_in_a_library_names_the_element(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME + """
        [[runtime.my-runtime.libraries]]
        sonames = ["libx.so.1"]
        confidence = "confirmed"
        sources = ["S6"]
        series = { "X_" = 1 }
        """)
    assert error.message == (f"{tmp_path / 'custom.toml'}: runtime.my-runtime.libraries[0]."
                             "series.X_: expected a string, got an integer")


def test_a_wrong_type_in_a_limit_names_the_key(tmp_path: Path) -> None:
    error = load_error(tmp_path, """
        [limits.mine]
        value = "10 GB"
        unit = "MB"
        text = "x"
        sources = ["S6"]
        """)
    assert error.message == (f"{tmp_path / 'custom.toml'}: limits.mine.value: expected an "
                             "integer, got a string")


def test_date_must_be_a_toml_date(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME + """
        [runtime.my-runtime.deprecation]
        date = "2028-10-31"
        sources = ["S6"]
        confidence = "confirmed"
        """)
    assert "deprecation.date: expected a date like 2028-10-31, got a string" in error.message


def test_unknown_source_id(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('["S6"]', '["S999"]'))
    assert error.message.endswith('runtime.my-runtime.sources: unknown source id \'S999\'')


def test_unknown_os_suggests_the_nearest(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('"al2023"', '"al2022"'))
    assert error.message.endswith("unknown os 'al2022'")
    assert error.hint == "did you mean 'al2023'?"


def test_missing_image_for_an_arch(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('image = "example.com/my:1"',
                                                      'images = { x86_64 = "example.com/my:1" }'))
    assert error.message.endswith('runtime.my-runtime.images: no image for arm64')


def test_no_image_at_all(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('image = "example.com/my:1"', ""))
    assert error.message.endswith("no image for x86_64")


def test_unknown_architecture(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('"arm64"]', '"aarch64"]'))
    assert error.message.endswith("unknown architecture 'aarch64'")


def test_version_must_parse(tmp_path: Path) -> None:
    error = load_error(tmp_path, STANDIN.replace('value = "2.31"', 'value = "two"'))
    assert error.message.endswith("os.debian-bullseye.glibc.value: 'two' is not a version number")


def test_unknown_family_and_handler_style(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('"provided"', '"pyhton"'))
    assert error.message.endswith("family: unknown family 'pyhton'")
    assert error.hint == "did you mean 'python'?"
    error = load_error(tmp_path, GOOD_RUNTIME + 'handler_style = "nodes"\n')
    assert error.hint == "did you mean 'node'?"


def test_unknown_confidence(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME + 'confidence = "confimred"\n')
    assert error.message.endswith("confidence: unknown confidence 'confimred'")
    assert error.hint == "did you mean 'confirmed'?"


def test_arch_the_os_does_not_have(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_RUNTIME.replace('"al2023"', '"al1"'))
    assert error.message.endswith("arches: os 'al1' has no arm64 build")


def test_library_groups_are_checked(tmp_path: Path) -> None:
    group = """
        [[os.debian-bullseye.libraries]]
        sonames = ["libz.so.1"]
        confidence = "confirmed"
        sources = ["debian-bullseye"]
        """
    error = load_error(tmp_path, STANDIN + group + 'versions = ["ZLIB_1.2.9"]\n'
                       'series = { "ZLIB_" = "1.2.9" }\n')
    assert error.message.endswith("os.debian-bullseye.libraries[1]: give either an exact "
                                  "'versions' set or 'series'/'extra', not both")
    error = load_error(tmp_path, STANDIN + group.replace("libz.so.1", "libc.so.6"))
    assert error.message.endswith("libc.so.6 is listed twice for x86_64")
    error = load_error(tmp_path, STANDIN + group + 'arches = ["x86_64"]\n'
                       "[os.debian-bullseye.libraries.by_arch.arm64]\n"
                       'versions = ["ZLIB_1.2.9"]\n')
    assert error.message.endswith("libraries[1].by_arch: 'arm64' is not in this group's arches")
    error = load_error(tmp_path, STANDIN + """
        [[os.debian-bullseye.absent]]
        sonames = ["libc.so.6"]
        confidence = "confirmed"
        sources = ["debian-bullseye"]
        """)
    assert error.message.endswith("libc.so.6 is listed as present and as absent on x86_64")


def test_invalid_toml(tmp_path: Path) -> None:
    error = load_error(tmp_path, '[runtime."x"]\nos = \n')
    assert error.message.startswith(f"{tmp_path / 'custom.toml'}: invalid TOML: ")


def test_shipped_os_ids_cannot_be_redefined(tmp_path: Path) -> None:
    error = load_error(tmp_path, STANDIN.replace("debian-bullseye]", "al2]")
                       .replace("debian-bullseye.", "al2."))
    assert "os 'al2' is already defined in runtimes/os/al2.toml" in error.message


def test_empty_and_missing_files(tmp_path: Path) -> None:
    assert load_error(tmp_path, "").message.endswith("defines no sources, os or runtime")
    with pytest.raises(CatalogError, match=r"runtime file .*nope\.toml: no such file"):
        load_catalog([tmp_path / "nope.toml"])


# ---- overrides and self-contained files ------------------------------------------------------

def test_runtime_file_overrides_a_shipped_runtime(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(textwrap.dedent("""
        [runtime."python3.12"]
        os = "al2023"
        family = "python"
        language_version = "3.12"
        arches = ["x86_64"]
        image = "registry.example.com/python:3.12-pinned"
        sources = ["S6"]
        """))
    catalog = load_catalog([path])
    runtime = catalog.get("python3.12")
    assert runtime is not None
    assert runtime.origin == str(path)
    assert runtime.arches == ("x86_64",)
    assert platform(catalog, "python3.12", "x86_64").image == \
        "registry.example.com/python:3.12-pinned"
    other = catalog.get("python3.11")
    assert other is not None
    assert other.origin == "catalog"


STANDIN = """
[sources.debian-bullseye]
title = "Debian 11 (bullseye): libc6 2.31"
url = "https://packages.debian.org/bullseye/libc6"

[os.debian-bullseye]
name = "Debian 11 (bullseye)"
sources = ["debian-bullseye"]
inventory_complete = false
ld_library_path = ["/var/lang/lib", "/lib64", "/usr/lib64", "/var/task/lib", "/opt/lib"]
executables = ["/bin/sh", "/usr/bin/python3"]

[os.debian-bullseye.glibc]
value = "2.31"
sources = ["debian-bullseye"]
confidence = "confirmed"

[[os.debian-bullseye.libraries]]
sonames = ["libc.so.6"]
confidence = "confirmed"
sources = ["debian-bullseye"]
series = { "GLIBC_" = "2.31" }

[runtime."standin-bullseye"]
os = "debian-bullseye"
family = "provided"
arches = ["x86_64"]
image = "lambdacheck-standin/provided:bullseye"
sources = ["debian-bullseye"]
"""


def check_standin(catalog: Catalog, origin: str) -> None:
    runtime = catalog.get("standin-bullseye")
    assert runtime is not None
    assert runtime.origin == origin
    assert runtime.os_name == "Debian 11 (bullseye)"
    assert runtime.handler_style is HandlerStyle.CUSTOM
    plat = platform(catalog, "standin-bullseye", "x86_64")
    assert plat.glibc == "2.31"
    assert plat.image == "lambdacheck-standin/provided:bullseye"
    assert defines(catalog, "standin-bullseye", "x86_64", "libc.so.6", "GLIBC_2.31") is True
    assert defines(catalog, "standin-bullseye", "x86_64", "libc.so.6", "GLIBC_2.32") is False
    assert "/usr/bin/python3" in plat.executables


def test_a_standin_runtime_loads_from_one_file(tmp_path: Path) -> None:
    path = tmp_path / "standin.toml"
    path.write_text(STANDIN)
    catalog = load_catalog([path])
    check_standin(catalog, str(path))
    assert catalog.sources["debian-bullseye"].url == "https://packages.debian.org/bullseye/libc6"


def test_the_readme_example_loads(tmp_path: Path) -> None:
    readme = (REPO / "runtimes" / "README.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.DOTALL)
    assert len(blocks) == 1
    path = tmp_path / "standin.toml"
    path.write_text(blocks[0])
    check_standin(load_catalog([path]), str(path))


# ---- the built wheel -------------------------------------------------------------------------

@pytest.mark.slow
def test_the_installed_wheel_carries_the_catalog(tmp_path: Path) -> None:
    """Build the wheel, install it alone into a fresh venv and load the catalog from there."""
    tree = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "checker", tree / "checker", ignore=ignore)
    shutil.copytree(REPO / "runtimes", tree / "runtimes", ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", tree)
    readme = REPO / "README.md"
    (tree / "README.md").write_text(readme.read_text() if readme.exists() else "lambdacheck\n")
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(tree)])
    (wheel,) = wheels.glob("lambdacheck-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)])
    # the one runtime dependency the catalog needs, without a network: this interpreter's copy
    deps = tmp_path / "deps"
    deps.mkdir()
    (deps / "packaging").symlink_to(Path(packaging.__file__).parent)
    snippet = ("from checker.catalog.load import catalog_dir, load_catalog; "
               "c = load_catalog(); print(catalog_dir()); print(len(c.runtimes)); "
               "print(c.get('python3.12').platform('arm64').glibc)")
    out = run([str(python), "-I", "-c", f"import sys; sys.path.append({str(deps)!r}); "
               + snippet], cwd=tmp_path).splitlines()
    assert Path(out[0]).is_relative_to(env_dir)
    assert Path(out[0]).parts[-2:] == ("checker", "_catalog")
    assert int(out[1]) >= len(REQUIRED)
    assert out[2] == "2.34"


def run(argv: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_every_runtime_lambda_has_had_is_known(catalog: Catalog) -> None:
    # dates from cfn-lint's LmbdRuntimeLifecycle.json (tests/data/live-dumps/full/cfn-lint)
    python37 = catalog.runtimes["python3.7"]
    assert (python37.deprecated, python37.block_create, python37.block_update) == \
        (date(2023, 12, 4), date(2024, 1, 9), date(2027, 3, 3))
    assert catalog.runtimes["dotnet6"].block_create == date(2027, 2, 1)
    for retired in ("python2.7", "nodejs4.3", "nodejs16.x", "dotnetcore3.1", "dotnet7", "go1.x",
                    "java8", "ruby2.5", "ruby2.7", "provided"):
        assert retired in catalog.runtimes, retired
    for preview in ("python3.15", "nodejs26.x"):
        assert catalog.runtimes[preview].preview is True
        assert catalog.runtimes[preview].platforms["x86_64"].image.endswith("-preview")
    assert catalog.runtimes["python3.14"].preview is False
