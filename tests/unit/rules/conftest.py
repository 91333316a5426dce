"""Real binaries for the rule tests, compiled once per session with this machine's toolchains.

This machine's glibc is 2.36, so every dynamically linked program built here needs
__libc_start_main@GLIBC_2.34 (asserted against objdump in tests/unit/test_elf.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build.compile import BuildCache


@pytest.fixture(scope="session")
def hello(build_cache: BuildCache) -> bytes:
    return build_cache.c("hello.c", name="hello").read_bytes()


@pytest.fixture(scope="session")
def hello_static(build_cache: BuildCache) -> bytes:
    return build_cache.c("hello.c", name="hello-static", flags=["-static"]).read_bytes()


@pytest.fixture(scope="session")
def fcntl64(build_cache: BuildCache) -> bytes:
    return build_cache.c("fcntl64.c", name="fcntl64",
                         flags=["-D_FILE_OFFSET_BITS=64"]).read_bytes()


@pytest.fixture(scope="session")
def modern_cxx(build_cache: BuildCache) -> bytes:
    return build_cache.cxx("modern.cpp", name="modern", flags=["-std=c++17"]).read_bytes()


@pytest.fixture(scope="session")
def libfoo_dir(build_cache: BuildCache) -> Path:
    """lib/libfoo.so.1 (LIBFOO_1.0 + LIBFOO_2.0) and usefoo linked with RPATH $ORIGIN/lib."""
    lib = build_cache.c("libfoo.c", name="libfoo.so.1", subdir="foo/lib", flags=[
        "-shared", "-fPIC", "-Wl,-soname,libfoo.so.1",
        f"-Wl,--version-script={Path(__file__).parents[2] / 'build/c/libfoo.map'}"])
    build_cache.c("usefoo.c", name="usefoo", subdir="foo", flags=[
        f"-L{lib.parent}", "-l:libfoo.so.1", "-Wl,-rpath,$ORIGIN/lib",
        "-Wl,--disable-new-dtags"])
    return lib.parent.parent


@pytest.fixture(scope="session")
def libfoo_v1(build_cache: BuildCache, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A libfoo.so.1 that only defines LIBFOO_1.0: an older build of the same library."""
    script = tmp_path_factory.mktemp("map") / "v1.map"
    script.write_text("LIBFOO_1.0 { global: foo_old; foo_new; local: *; };\n")
    return build_cache.c("libfoo.c", name="libfoo.so.1", subdir="foo-v1", flags=[
        "-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", f"-Wl,--version-script={script}"]
    ).read_bytes()


@pytest.fixture(scope="session")
def needs_libssl3(build_cache: BuildCache) -> bytes:
    """A real program whose DT_NEEDED names libssl.so.3 (linked against a stub of that name)."""
    stub = build_cache.c("libfoo.c", name="libssl.so.3", subdir="ssl", flags=[
        "-shared", "-fPIC", "-Wl,-soname,libssl.so.3"])
    return build_cache.c("usefoo.c", name="usessl", subdir="ssl", flags=[
        f"-L{stub.parent}", "-l:libssl.so.3"]).read_bytes()
