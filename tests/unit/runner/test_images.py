"""checker.runner.images (ImageLoader) against a fake engine (tests/build/engine.py), with real
docker-archives built by tests/build/images.py: the failures a real engine cannot be made to
produce on demand, and that what was loaded is undone however preparing ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.image.ref import ImageRef
from checker.options import ExecOptions, PullPolicy
from checker.runner.errors import ContainerError
from checker.runner.images import FunctionImage, ImageLoader
from tests.build.engine import FakeEngine, FakeImage, lines, log_progress, quiet
from tests.build.images import File, docker_archive, layer_tar

RIE = "/usr/local/bin/aws-lambda-rie"


def ref(text: str) -> ImageRef:
    parsed = ImageRef.parse(text)
    assert parsed is not None
    return parsed


def archive(tmp_path: Path, name: str, tag: str) -> Path:
    layer = layer_tar([File(f"var/task/{name}", name.encode())])
    return docker_archive(tmp_path / f"{name}.tar", [layer], repo_tags=(tag,))


@pytest.fixture
def rie(tmp_path: Path) -> Path:
    path = tmp_path / "aws-lambda-rie"
    path.write_bytes(b"#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_a_failure_after_loading_restores_the_moved_tag_and_removes_the_image(
        tmp_path: Path, rie: Path) -> None:
    """A fake: the loaded image disappears before its files can be read (create fails) —
    a real engine cannot be made to lose an image on demand. The reason is returned, and
    close() puts the tag the archive moved back on the image that had it."""
    engine = FakeEngine()
    engine.add_image("test/app:1", FakeImage("sha256:" + "0" * 64))
    engine.fail["create_unstarted"] = ContainerError("engine create container failed: gone")
    loader = ImageLoader(engine, quiet)
    path = archive(tmp_path, "a", "test/app:1")
    reason = loader.prepare(ref(f"docker-archive:{path}"), "x86_64", ExecOptions(rie_path=rie))
    assert reason == "engine create container failed: gone"
    (loaded,) = engine.loaded
    loader.close()
    assert engine.images["test/app:1"].image_id == "sha256:" + "0" * 64
    assert loaded not in engine.images


def test_close_undoes_every_load_when_one_removal_fails(tmp_path: Path, rie: Path) -> None:
    """A fake: the engine refuses to remove the first loaded image (a real one cannot be made
    to on demand); the second is removed all the same."""
    engine = FakeEngine()
    loader = ImageLoader(engine, quiet)
    for name in ("a", "b"):
        path = archive(tmp_path, name, f"test/{name}:1")
        engine.fail.pop("remove_image", None)
        prepared = loader.prepare(ref(f"docker-archive:{path}"), "x86_64",
                                  ExecOptions(rie_path=rie))
        assert isinstance(prepared, FunctionImage), prepared
    first, second = engine.loaded
    engine.fail["remove_image"] = (
        lambda image: ContainerError("cannot remove image: in use") if image == first else None)
    loader.close()
    assert second not in engine.images and "test/b:1" not in engine.images
    assert first in engine.images


def test_a_pull_that_fails_midway_falls_back_to_the_present_image() -> None:
    """A fake: a pull that fails after its layers started (a real registry cannot be made to
    fail on demand here). With --pull always, the image the engine already has is run."""
    engine = FakeEngine()
    present = engine.add_image("test/fn:1", FakeImage("sha256:" + "1" * 64,
                                                      files={RIE: (0o755, b"rie")}))
    progress = log_progress()
    loader = ImageLoader(engine, progress)
    prepared = loader.prepare(ref("docker-daemon:test/fn:1"), "x86_64",
                              ExecOptions(pull=PullPolicy.ALWAYS))
    assert isinstance(prepared, FunctionImage), prepared
    assert prepared.reference == "test/fn:1" and prepared.config.user == ""
    assert prepared.rie_mount is None  # the image's own RIE
    assert lines(progress) == ["pulling test/fn:1: 1.0/2.0 MB, 1/2 layers",
                               "pulling test/fn:1: 2.0/2.0 MB, 2/2 layers"]
    assert engine.images["test/fn:1"] is present


def test_a_pull_that_fails_for_an_absent_image_is_the_reason() -> None:
    """A fake: the pull fails; the image is not there, so the target cannot run."""
    engine = FakeEngine()
    loader = ImageLoader(engine, quiet)
    reason = loader.prepare(ref("docker-daemon:test/absent:1"), "x86_64",
                            ExecOptions(pull=PullPolicy.MISSING))
    assert reason == "image test/absent:1 cannot be pulled: manifest unknown"
    assert "test/absent:1" not in engine.images


def test_the_unstarted_container_is_removed_when_reading_the_image_fails() -> None:
    """A fake: the container made to read the image's files vanishes while it is read."""
    engine = FakeEngine()
    engine.add_image("test/fn:1", FakeImage("sha256:" + "2" * 64))
    engine.fail["path_stat"] = ContainerError("cannot stat /usr/local/bin/aws-lambda-rie: gone")
    loader = ImageLoader(engine, quiet)
    reason = loader.prepare(ref("docker-daemon:test/fn:1"), "x86_64", ExecOptions())
    assert reason == "cannot stat /usr/local/bin/aws-lambda-rie: gone"
    assert engine.containers == {} and len(engine.removed) == 1
