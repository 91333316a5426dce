"""`runtimes show`: where each library comes from (directory, rpm) and when its listing was
taken, rendered from the shipped catalog. Expected strings are copied by hand from
runtimes/os/al2.toml, runtimes/os/al2023.toml, runtimes/python3.12.toml and
runtimes/sources.toml."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from checker.catalog.load import load_catalog
from checker.catalog.model import Catalog
from checker.report.catalog_text import render_runtime


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(today=date(2026, 11, 24))


def shown(catalog: Catalog, name: str) -> str:
    out = io.StringIO()
    runtime = catalog.get(name)
    assert runtime is not None
    render_runtime(runtime, catalog, out)
    return out.getvalue()


def section(text: str, arch: str) -> str:
    return text.split(f"\n  [{arch}]\n", 1)[1].split("\n\n", 1)[0]


def library_line(text: str, soname: str) -> str:
    (line,) = [ln for ln in text.splitlines() if ln.split()[:1] == [soname]]
    return line


def test_each_library_shows_its_directory_and_rpm(catalog: Catalog) -> None:
    x86 = section(shown(catalog, "python3.12"), "x86_64")
    libc = library_line(x86, "libc.so.6")
    assert re.search(r"confirmed +/lib64 +glibc-2\.34-231\.amzn2023\.0\.4 \[", libc), libc
    assert "lambda-rpm.al2023.x86_64" in libc
    # python3.12's own copy in /var/lang/lib, not from an rpm
    assert re.search(r"confirmed +/var/lang/lib +- \[lambda-fs\.python3\.12\.x86_64",
                     library_line(x86, "libbz2.so.1"))
    al2 = section(shown(catalog, "provided.al2"), "arm64")
    assert re.search(r"/lib64 +bzip2-libs-1\.0\.6-13\.amzn2\.0\.3 \[",
                     library_line(al2, "libbz2.so.1"))


def test_each_platform_says_when_its_listings_were_dumped(catalog: Catalog) -> None:
    x86 = section(shown(catalog, "python3.12"), "x86_64")
    listings = [ln for ln in x86.splitlines() if ln.startswith("  listing ")]
    assert any("dumped 2026-08-07 in a live function" in ln and "lambda-fs.al2023.x86_64" in ln
               for ln in listings), listings
    assert any("dumped 2026-07-24 in a live function" in ln
               and "lambda-fs.python3.12.x86_64" in ln for ln in listings), listings
    al2 = section(shown(catalog, "provided.al2"), "x86_64")
    assert "  listing      dumped 2026-02-20 in a live function [" in al2


def test_a_dumped_source_names_repository_commit_path_and_date(catalog: Catalog) -> None:
    text = shown(catalog, "provided.al2")
    assert ("    [lambda-fs.al2.x86_64] File list of the Amazon Linux 2 Lambda environment "
            "(x86_64), dumped from a live function — https://github.com/shogo82148/docker-lambda"
            "/blob/487748dc8f88d7563c8247a18bd618514c4bf736/dockerfiles/base.al2/fs-x86_64.txt\n"
            "      shogo82148/docker-lambda@487748dc8f88d7563c8247a18bd618514c4bf736 "
            "dockerfiles/base.al2/fs-x86_64.txt, dumped 2026-02-20\n") in text
    assert ("      shogo82148/docker-lambda@487748dc8f88d7563c8247a18bd618514c4bf736 "
            "dockerfiles/base.al2/packages-x86_64.txt, dumped 2026-02-20\n") in text


def test_a_source_without_a_dump_has_no_dump_line(catalog: Catalog) -> None:
    text = shown(catalog, "python3.12")
    s22 = text.split("    [S22] ", 1)[1].splitlines()
    assert s22[0].endswith("https://docs.aws.amazon.com/linux/al2023/ug/lambda.html")
    assert s22[1].startswith("    [")  # the next source, no "repository@commit" line
