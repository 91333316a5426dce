"""Hand-written runtime policies for rule tests: every value is literal here, so tests never
compute their expectations from the shipped catalog they are meant to check against."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from checker.catalog.model import (
    AbsentLibrary,
    Confidence,
    HandlerStyle,
    Platform,
    Runtime,
    SystemLibrary,
)

LD_LIBRARY_PATH = ("/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime", "/var/runtime/lib",
                   "/var/task", "/var/task/lib", "/opt/lib")
GLIBC_SONAMES = ("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                 "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1")


def library(soname: str, *, series: Mapping[str, str] | None = None,
            versions: frozenset[str] | None = None, extra: frozenset[str] = frozenset(),
            confidence: Confidence = Confidence.CONFIRMED, path: str | None = None,
            ) -> SystemLibrary:
    return SystemLibrary(soname=soname, confidence=confidence, sources=("T1",),
                         versions=versions, series=MappingProxyType(dict(series or {})),
                         extra=extra, path=path)


def platform(arch: str = "x86_64", *, glibc: str = "2.26", glibcxx: str | None = "3.4.24",
             cxxabi: str = "1.3.11", extra_libraries: tuple[SystemLibrary, ...] = (),
             absent: tuple[str, ...] = ("libssl.so.3", "libcrypto.so.3"),
             complete: bool = True, shadowed: tuple[SystemLibrary, ...] = (),
             executables: frozenset[str] = frozenset({"/bin/sh", "/bin/bash", "/usr/bin/env"}),
             ) -> Platform:
    libraries = {s: library(s, series={"GLIBC_": glibc}, extra=frozenset({"GLIBC_PRIVATE"}))
                 for s in GLIBC_SONAMES}
    if glibcxx is not None:
        libraries["libstdc++.so.6"] = library(
            "libstdc++.so.6", series={"GLIBCXX_": glibcxx, "CXXABI_": cxxabi},
            extra=frozenset({"CXXABI_TM_1"}))
    libraries["libgcc_s.so.1"] = library(
        "libgcc_s.so.1", versions=frozenset({"GCC_3.0", "GCC_3.3", "GCC_3.3.1", "GCC_3.4",
                                             "GCC_3.4.2", "GCC_3.4.4", "GCC_4.0.0", "GCC_4.2.0",
                                             "GCC_4.3.0", "GCC_4.4.0", "GCC_4.7.0", "GCC_4.8.0",
                                             "GCC_7.0.0"}))
    libraries["libz.so.1"] = library("libz.so.1")
    libraries["libssl.so.10"] = library("libssl.so.10")
    for extra in extra_libraries:
        libraries[extra.soname] = extra
    return Platform(
        arch=arch, glibc=glibc, glibc_sources=("T1",), libraries=MappingProxyType(libraries),
        absent=MappingProxyType({s: AbsentLibrary(s, ("T1",)) for s in absent}),
        inventory_complete=complete, executables=executables,
        ld_library_path=LD_LIBRARY_PATH, image=f"example/test:{glibc}",
        libstdcxx="7.3.1" if glibcxx else None,
        shadowed=MappingProxyType({lib.soname: lib for lib in shadowed}))


def runtime(name: str = "test.al2", *, family: str = "provided",
            style: HandlerStyle = HandlerStyle.CUSTOM, language: str | None = None,
            arches: tuple[str, ...] = ("x86_64", "arm64"), deprecated: date | None = None,
            block_create: date | None = None, block_update: date | None = None,
            preview: bool = False, **platform_args: object) -> Runtime:
    platforms = {arch: platform(arch, **platform_args) for arch in arches}  # type: ignore[arg-type]
    return Runtime(name=name, os_id="test", os_name="Test Linux", family=family,
                   language_version=language, handler_style=style,
                   platforms=MappingProxyType(platforms), deprecated=deprecated,
                   deprecated_sources=("T1",) if deprecated else (),
                   block_create=block_create, block_update=block_update, preview=preview)


def python_runtime(version: str = "3.11", **kwargs: object) -> Runtime:
    return runtime(f"python{version}", family="python", style=HandlerStyle.PYTHON,
                   language=version, **kwargs)  # type: ignore[arg-type]
