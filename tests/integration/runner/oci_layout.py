"""Rewrite a `docker save` tarball as an OCI image layout tarball (what `skopeo copy ...
oci-archive:` writes): gzip-compressed layer blobs, an image manifest, an index naming the
platform. Written from the OCI image-spec, independently of checker.runner.archives."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def docker_save_to_oci(saved: Path, out: Path, ref_name: str = "latest") -> str:
    """Write `out`; returns the image's config digest ("sha256:...")."""
    blobs: dict[str, bytes] = {}

    def blob(data: bytes) -> dict[str, object]:
        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        blobs[digest] = data
        return {"digest": digest, "size": len(data)}

    with tarfile.open(saved) as tar:
        (entry,) = json.loads(_read(tar, "manifest.json"))
        config = _read(tar, entry["Config"])
        layers = [gzip.compress(_read(tar, name), compresslevel=1) for name in entry["Layers"]]
    config_descriptor = {"mediaType": CONFIG, **blob(config)}
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST, "config": config_descriptor,
                "layers": [{"mediaType": LAYER, **blob(layer)} for layer in layers]}
    manifest_descriptor = blob(json.dumps(manifest).encode())
    architecture = json.loads(config)["architecture"]
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": MANIFEST, **manifest_descriptor,
        "platform": {"architecture": architecture, "os": "linux"},
        "annotations": {"org.opencontainers.image.ref.name": ref_name}}]}
    with tarfile.open(out, "w") as archive:
        _add(archive, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        _add(archive, "index.json", json.dumps(index).encode())
        for digest, data in blobs.items():
            _add(archive, f"blobs/sha256/{digest.removeprefix('sha256:')}", data)
    return str(config_descriptor["digest"])


def _read(tar: tarfile.TarFile, name: str) -> bytes:
    member = tar.extractfile(name)
    assert member is not None
    return member.read()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))
