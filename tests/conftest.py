"""Shared pytest fixtures. Builders live in tests/build/; this file only wires them in."""

from __future__ import annotations

import pytest

from tests.build.compile import BuildCache


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> BuildCache:
    """Compiles each fixture binary once per session (see tests/build/compile.py)."""
    return BuildCache(tmp_path_factory.mktemp("build"))
