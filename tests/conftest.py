"""Shared pytest fixtures. Builders live in tests/build/; this file only wires them in."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.build.compile import BuildCache


@pytest.fixture(scope="session", autouse=True)
def _private_catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The catalog's load cache (checker/catalog/cache.py) of this session, in a temporary
    directory instead of ~/.cache/lambdacheck: tests (and the CLIs they start) never write the
    user's. XDG_CACHE_HOME stays as it is (the stand-in builds are found through it)."""
    before = os.environ.get("LAMBDACHECK_CACHE_DIR")
    os.environ["LAMBDACHECK_CACHE_DIR"] = str(tmp_path_factory.mktemp("catalog-cache"))
    yield
    if before is None:
        os.environ.pop("LAMBDACHECK_CACHE_DIR", None)
    else:
        os.environ["LAMBDACHECK_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> BuildCache:
    """Compiles each fixture binary once per session (see tests/build/compile.py)."""
    return BuildCache(tmp_path_factory.mktemp("build"))
