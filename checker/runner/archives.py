"""Image archives on disk, made loadable: what a `docker save` tarball holds, and an OCI image
layout tarball rewritten as one (Docker Engine 20.10 cannot `docker load` OCI layouts).

A docker-archive is a tar with manifest.json ([{"Config", "RepoTags", "Layers"}]); its image
id is the sha256 of the config file. An oci-archive is a tar of an OCI layout (index.json,
blobs/sha256/*); the conversion copies the chosen manifest's config and layer blobs next to a
manifest.json that names them (compressed layers are fine: `docker load` inflates them).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from checker.lambda_env import Arch
from checker.runner.errors import StageError

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
REF_NAME = "org.opencontainers.image.ref.name"
_TAR_ERRORS = (tarfile.TarError, OSError, ValueError, KeyError, UnicodeDecodeError)
_MAX_JSON = 1 << 24


@dataclass(frozen=True)
class ArchiveImage:
    """The one image an archive holds: its id ("sha256:...") and the tags it brings."""

    image_id: str
    repo_tags: tuple[str, ...] = ()


def read_docker_archive(path: Path) -> ArchiveImage:
    """The image in a `docker save` tarball (one image; several are refused)."""
    try:
        with tarfile.open(path) as tar:
            manifest = _json_member(tar, "manifest.json")
            if not isinstance(manifest, list) or len(manifest) != 1:
                count = len(manifest) if isinstance(manifest, list) else 0
                raise StageError(f"{path}: a docker-archive with {count} images; lambdacheck "
                                 "runs one (load it and name it as docker-daemon:NAME)")
            entry = manifest[0]
            config = _member_bytes(tar, str(entry["Config"]))
    except _TAR_ERRORS as error:
        raise StageError(f"{path}: not a readable docker-archive ({_reason(error)})") from error
    tags = tuple(str(tag) for tag in entry.get("RepoTags") or ())
    return ArchiveImage(f"sha256:{hashlib.sha256(config).hexdigest()}", tags)


def oci_to_docker_archive(path: Path, arch: str, dest: Path, ref_name: str | None = None,
                          ) -> ArchiveImage:
    """Write the OCI layout tarball's image for `arch` as a docker-archive at `dest`."""
    try:
        with tarfile.open(path) as tar:
            manifest = _choose_manifest(tar, arch, ref_name, path)
            config_digest = str(manifest["config"]["digest"])
            layers = [str(layer["digest"]) for layer in manifest.get("layers") or ()]
            _write_docker_archive(tar, config_digest, layers, dest)
    except _TAR_ERRORS as error:
        raise StageError(f"{path}: not a readable oci-archive ({_reason(error)})") from error
    return ArchiveImage(config_digest)


def _choose_manifest(tar: tarfile.TarFile, arch: str, ref_name: str | None,
                     path: Path) -> dict[str, Any]:
    index = _json_member(tar, "index.json")
    candidates = [entry for entry in _manifests(tar, index)
                  if ref_name is None or (entry[0].get("annotations") or {}).get(REF_NAME)
                  in (ref_name, None)]
    wanted = Arch.oci_of(arch)
    matching = [manifest for descriptor, manifest in candidates
                if _architecture(tar, descriptor, manifest) == wanted]
    if not matching:
        found = sorted({str(_architecture(tar, d, m)) for d, m in candidates})
        raise StageError(f"{path}: no {arch} image in the oci-archive (it has: "
                         f"{', '.join(found) or 'none'})")
    return matching[0]


def _manifests(tar: tarfile.TarFile, index: Any,
               ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(descriptor, manifest) for every image manifest under `index`, nested indexes opened."""
    for descriptor in index.get("manifests") or ():
        document = _json_member(tar, _blob(str(descriptor["digest"])))
        if descriptor.get("mediaType") in (OCI_INDEX, DOCKER_LIST) or "manifests" in document:
            yield from _manifests(tar, document)
        else:
            yield descriptor, document


def _architecture(tar: tarfile.TarFile, descriptor: dict[str, Any],
                  manifest: dict[str, Any]) -> str | None:
    platform = descriptor.get("platform") or {}
    if platform.get("architecture"):
        return str(platform["architecture"])
    config = _json_member(tar, _blob(str(manifest["config"]["digest"])))
    return str(config.get("architecture")) if config.get("architecture") else None


def _write_docker_archive(tar: tarfile.TarFile, config: str, layers: list[str],
                          dest: Path) -> None:
    manifest = [{"Config": _blob(config), "RepoTags": None,
                 "Layers": [_blob(layer) for layer in layers]}]
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as out:
        for name in dict.fromkeys([_blob(config), *(_blob(layer) for layer in layers)]):
            member = _member(tar, name)
            with _open(tar, name) as stream:
                out.addfile(member.replace(name=name, deep=False), stream)
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))


def _blob(digest: str) -> str:
    algorithm, _, value = digest.partition(":")
    if not value or "/" in value or "/" in algorithm:
        raise ValueError(f"bad digest {digest!r}")
    return f"blobs/{algorithm}/{value}"


def _json_member(tar: tarfile.TarFile, name: str) -> Any:
    data = _member_bytes(tar, name)
    return json.loads(data)


def _member_bytes(tar: tarfile.TarFile, name: str) -> bytes:
    with _open(tar, name) as stream:
        data = stream.read(_MAX_JSON + 1)
    if len(data) > _MAX_JSON:
        raise ValueError(f"{name} is larger than {_MAX_JSON} bytes")
    return data


def _member(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    """The member `name`, however the archive spells it ("x" or "./x")."""
    with contextlib.suppress(KeyError):
        return tar.getmember(name)
    try:
        return tar.getmember(f"./{name}")
    except KeyError:
        raise KeyError(name) from None


def _open(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    stream = tar.extractfile(_member(tar, name))
    if stream is None:
        raise KeyError(f"{name} is not a file")
    return stream


def _reason(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"{error.args[0] if error.args else 'a member'} is missing"
    return str(error) or type(error).__name__
