"""Image archives on disk, made loadable: what a `docker save` tarball of one image holds, and
any other archived image (an OCI image layout tarball, which Docker Engine 20.10 cannot
`docker load`, or one image of a docker-archive holding several) rewritten as a docker-archive
of that one image.

A docker-archive is a tar with manifest.json ([{"Config", "RepoTags", "Layers"}]); its image
id is the sha256 of the config file. Which image an archive's metadata names, and whether its
digests hold, is checker.image's reader's to say (checker/image/archive.py); the rewrite
copies that image's config and layer blobs next to a manifest.json that names them
(compressed layers are fine: `docker load` inflates them).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import posixpath
import tarfile
from pathlib import Path
from typing import IO, Any

from checker.errors import InputError
from checker.image.archive import read_plan
from checker.image.ref import ImageRef
from checker.lambda_env import Arch
from checker.records import record
from checker.runner.errors import StageError

_TAR_ERRORS = (tarfile.TarError, OSError, ValueError, KeyError, UnicodeDecodeError)
_MAX_JSON = 1 << 24


@record
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


def extract_image(image: ImageRef, arch: str, dest: Path) -> ArchiveImage:
    """Write the image `image` names in its archive (an oci-archive, or one image of a
    docker-archive) as a docker-archive of that one image at `dest`. The image is picked and
    its index, manifest and config checked against their digests by checker.image's reader;
    the layer blobs are copied as stored (`docker load` checks them against the diff_ids)."""
    try:
        plan = read_plan(image, arch)
    except InputError as error:
        raise StageError(error.message) from None
    found = Arch.lambda_name(str(plan.config.get("architecture") or ""))
    if found != arch:
        raise StageError(f"{image.path}: no {arch} image in the {image.transport} (it has: "
                         f"{Arch.oci_of(found) or 'none'})")
    layers = [layer.member for layer in plan.layers]
    try:
        with tarfile.open(image.path) as tar:
            _write_docker_archive(tar, plan.config_member, layers, plan.repo_tags, dest)
    except _TAR_ERRORS as error:
        raise StageError(f"{image.path}: not a readable {image.transport} "
                         f"({_reason(error)})") from error
    return ArchiveImage(plan.config_digest, plan.repo_tags)


def _write_docker_archive(tar: tarfile.TarFile, config: str, layers: list[str],
                          tags: tuple[str, ...], dest: Path) -> None:
    manifest = [{"Config": config, "RepoTags": list(tags) or None, "Layers": layers}]
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as out:
        for name in dict.fromkeys([config, *layers]):
            member = _file_member(tar, name)
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = member.size, 0o644, member.mtime
            with _open(tar, name) as stream:
                out.addfile(info, stream)
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))


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


def _file_member(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    """The regular file `name` is, its links followed (docker save links layers to blobs)."""
    member = _member(tar, name)
    for _ in range(8):
        if not (member.issym() or member.islnk()):
            return member
        target = member.linkname if member.islnk() else posixpath.normpath(
            posixpath.join(posixpath.dirname(member.name), member.linkname))
        member = _member(tar, target.removeprefix("./"))
    raise KeyError(f"{name} (too many links)")


def _open(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    stream = tar.extractfile(_member(tar, name))
    if stream is None:
        raise KeyError(f"{name} is not a file")
    return stream


def _reason(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"{error.args[0] if error.args else 'a member'} is missing"
    return str(error) or type(error).__name__
