"""Fixtures the runner's integration tests share: a loopback registry requiring basic-auth
credentials (its own per test module) and a small amd64 image pushed into it with them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.build import images
from tests.build.registry import (
    AuthenticatedRegistry,
    authenticated_registry,
    authenticated_registry_problem,
)
from tests.integration.conftest import REQUIRE_DOCKER_ENV


@pytest.fixture(scope="module")
def auth_registry() -> Iterator[AuthenticatedRegistry]:
    """A second loopback registry of the test module's own, requiring basic-auth credentials."""
    problem = authenticated_registry_problem()
    if problem is not None:
        if os.environ.get(REQUIRE_DOCKER_ENV) == "1":
            pytest.fail(f"{problem} ({REQUIRE_DOCKER_ENV}=1)")
        pytest.skip(problem)
    with authenticated_registry() as registry:
        yield registry


@pytest.fixture(scope="module")
def guarded(auth_registry: AuthenticatedRegistry,
            tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small amd64 image pushed with the credentials: it is there, only not without them."""
    layer = images.layer_tar([images.File("hello", b"behind basic auth\n")])
    archive = images.oci_archive(tmp_path_factory.mktemp("guarded") / "guarded.tar",
                                 [images.OciImage([layer], images.config_json([layer]))])
    return auth_registry.push_oci(archive, "guarded")
