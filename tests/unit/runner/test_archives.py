"""Image archives read and rewritten without an engine: real tar files written here by hand,
in the layouts `docker save` and the OCI image-spec define."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from checker.image.ref import ImageRef
from checker.runner.archives import ArchiveImage, extract_image, read_docker_archive
from checker.runner.errors import StageError

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def write_tar(path: Path, members: dict[str, bytes], prefix: str = "") -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def blob_name(data: bytes) -> str:
    return f"blobs/sha256/{hashlib.sha256(data).hexdigest()}"


def test_a_docker_save_archive_gives_its_image_id_and_tags(tmp_path: Path) -> None:
    config = b'{"architecture": "amd64", "os": "linux"}'
    manifest = [{"Config": "abc.json", "RepoTags": ["fn:1", "fn:latest"],
                 "Layers": ["l1/layer.tar"]}]
    archive = write_tar(tmp_path / "saved.tar", {"abc.json": config, "l1/layer.tar": b"x" * 10,
                                                 "manifest.json": json.dumps(manifest).encode()})
    assert read_docker_archive(archive) == ArchiveImage(digest(config), ("fn:1", "fn:latest"))


@pytest.mark.parametrize(("members", "message"), [
    ({"manifest.json": b"[]"}, "a docker-archive with 0 images"),
    ({"manifest.json": b'[{"Config": "a.json"}, {"Config": "b.json"}]'},
     "a docker-archive with 2 images"),
    ({"other": b""}, "not a readable docker-archive (manifest.json is missing)"),
    ({"manifest.json": b'[{"Config": "gone.json"}]'},
     "not a readable docker-archive (gone.json is missing)"),
])
def test_unusable_docker_archives_say_why(tmp_path: Path, members: dict[str, bytes],
                                          message: str) -> None:
    with pytest.raises(StageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_docker_archive(write_tar(tmp_path / "bad.tar", members))


def test_not_a_tar_at_all(tmp_path: Path) -> None:
    (tmp_path / "text.tar").write_text("hello")
    with pytest.raises(StageError, match="not a readable docker-archive"):
        read_docker_archive(tmp_path / "text.tar")


def oci_archive(tmp_path: Path, prefix: str = "") -> tuple[Path, dict[str, bytes]]:
    """A multi-platform layout (an index inside index.json) with an amd64 and an arm64 image."""
    blobs: dict[str, bytes] = {}
    images = {}
    for arch in ("amd64", "arm64"):
        layer = f"layer for {arch}".encode()
        config = json.dumps({"architecture": arch, "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [digest(layer)]}}).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                               "config": {"digest": digest(config), "size": len(config)},
                               "layers": [{"digest": digest(layer), "size": len(layer)}]}).encode()
        blobs.update({blob_name(b): b for b in (config, layer, manifest)})
        images[arch] = (manifest, config, layer)
    nested = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": MANIFEST, "digest": digest(images[arch][0]), "size": len(images[arch][0]),
         "platform": {"architecture": arch, "os": "linux"}} for arch in ("amd64", "arm64")],
    }).encode()
    blobs[blob_name(nested)] = nested
    index = {"schemaVersion": 2, "manifests": [{"mediaType": INDEX, "digest": digest(nested),
                                                "size": len(nested)}]}
    members = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}',
               "index.json": json.dumps(index).encode(), **blobs}
    path = write_tar(tmp_path / "oci.tar", members, prefix)
    return path, {arch: images[arch][1] + b"|" + images[arch][2] for arch in images}


def oci_ref(path: Path) -> ImageRef:
    return ImageRef("oci-archive", str(path))


@pytest.mark.parametrize("prefix", ["", "./"])
def test_an_oci_layout_is_rewritten_as_a_loadable_docker_archive(tmp_path: Path,
                                                                 prefix: str) -> None:
    path, expected = oci_archive(tmp_path, prefix)
    out = tmp_path / "docker.tar"
    image = extract_image(oci_ref(path), "arm64", out)
    config, layer = expected["arm64"].split(b"|")
    assert image == ArchiveImage(digest(config))
    with tarfile.open(out) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert json.loads(members["manifest.json"]) == [
        {"Config": blob_name(config), "RepoTags": None, "Layers": [blob_name(layer)]}]
    assert (members[blob_name(config)], members[blob_name(layer)]) == (config, layer)
    assert extract_image(oci_ref(path), "x86_64", out).image_id == digest(
        expected["amd64"].split(b"|")[0])


def test_an_oci_layout_without_the_architecture_says_what_it_has(tmp_path: Path) -> None:
    path, _ = oci_archive(tmp_path)
    with pytest.raises(StageError, match=r"no ppc64le image in the oci-archive \(it has: amd64, "
                                         r"arm64\)"):
        extract_image(oci_ref(path), "ppc64le", tmp_path / "out.tar")
