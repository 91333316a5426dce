"""Artifacts for the package checks: built as real ZIPs, read with the project's reader."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from checker.artifact.reader import scan_artifact
from checker.facts import ArtifactFacts, ArtifactRole
from checker.packages.tree import wanted_text
from tests.build.zips import Entry, make_zip

Read = Callable[..., ArtifactFacts]


@pytest.fixture
def read(tmp_path: Path) -> Read:
    """read(entries, role=FUNCTION): write the entries to a ZIP and scan it as Lambda would."""
    count = 0

    def build(entries: Sequence[Entry], role: ArtifactRole = ArtifactRole.FUNCTION
              ) -> ArtifactFacts:
        nonlocal count
        count += 1
        path = make_zip(tmp_path / f"artifact{count}.zip", entries)
        return scan_artifact(path, role, want_text=wanted_text)

    return build
