"""Find an image in an archive's metadata: which config, which layer blobs in which order, and
the digests each must have. Knows docker-archive (manifest.json, as `docker save` writes it)
and oci-archive (oci-layout + index.json, nested indexes, platforms); reads nothing else.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Callable
from typing import Any

from checker.errors import InputError
from checker.lambda_env import Arch
from checker.records import record

MAX_JSON_BYTES = 16 * 1024 * 1024
REF_NAME = "org.opencontainers.image.ref.name"
MANIFEST_TYPES = frozenset({"application/vnd.oci.image.manifest.v1+json",
                            "application/vnd.docker.distribution.manifest.v2+json"})
INDEX_TYPES = frozenset({"application/vnd.oci.image.index.v1+json",
                         "application/vnd.docker.distribution.manifest.list.v2+json"})
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_HEX_NAME = re.compile(r"([0-9a-f]{64})(\.json)?")
_MAX_NESTING = 4

ReadBytes = Callable[[str], bytes | None]  # member name -> its bytes, None when absent


@record
class LayerRef:
    """One layer as the metadata names it.

    member: the blob's path inside the archive
    diff_id: the config's rootfs.diff_ids entry (sha256 of the uncompressed tar)
    digest, size: the OCI descriptor's (of the blob as stored); None for docker-archive
    """

    index: int  # 1-based position, bottom layer first
    member: str
    diff_id: str
    digest: str | None = None
    size: int | None = None


@record
class ImagePlan:
    """The image an archive's metadata picks: its config (and digest), its layer blobs, and
    the tags a docker-archive gives it (RepoTags)."""

    config: dict[str, Any]
    config_digest: str
    layers: tuple[LayerRef, ...]
    config_member: str = ""  # the config's path inside the archive
    repo_tags: tuple[str, ...] = ()


def docker_plan(read: ReadBytes, label: str, ref: str | None = None,
                index: int | None = None) -> ImagePlan:
    """The image manifest.json lists as `ref` ("name:tag") or at `index` (from 0); neither:
    its only one."""
    manifest = _json(read, "manifest.json", label)
    if manifest is None:
        hint = ("it is an OCI layout: use oci-archive:PATH" if read("index.json") is not None
                else "make it with `docker save -o FILE IMAGE`")
        raise InputError(f"{label} has no manifest.json: not a docker-archive", hint)
    entry = _pick_docker_entry(manifest, label, ref, index)
    config_name = _text(entry.get("Config"), f"{label}: manifest.json's Config")
    config_bytes = _required(read, config_name, label)
    digest = _sha256(config_bytes)
    named = _HEX_NAME.fullmatch(posixpath.basename(config_name))
    if named is not None and f"sha256:{named.group(1)}" != digest:
        raise InputError(f"{label}: the image config {config_name} does not match its digest "
                         f"({digest} found)", _DAMAGED)
    config = _parse(config_bytes, config_name, label)
    layers = entry.get("Layers")
    if not isinstance(layers, list) or not all(isinstance(name, str) for name in layers):
        raise InputError(f"{label}: manifest.json's Layers is not a list of paths")
    diff_ids = _diff_ids(config, len(layers), label)
    tags = tuple(str(tag) for tag in entry.get("RepoTags") or ())
    return ImagePlan(config, digest, tuple(LayerRef(position, name, diff_id) for position, (
        name, diff_id) in enumerate(zip(layers, diff_ids, strict=True), start=1)),
        config_name, tags)


def oci_plan(read: ReadBytes, label: str, arch: str | None, ref: str | None = None,
             index: int | None = None) -> ImagePlan:
    """The image of an OCI layout: `ref` matches a ref.name annotation, `index` picks one by
    position (from 0, nested indexes opened in order), `arch` ("x86_64"/"arm64") a platform
    when the index holds several."""
    if read("oci-layout") is None:
        hint = ("it is a docker-archive: use docker-archive:PATH"
                if read("manifest.json") is not None else None)
        raise InputError(f"{label} has no oci-layout file: not an OCI image layout", hint)
    top = _json(read, "index.json", label)
    if top is None:
        raise InputError(f"{label} has no index.json", _DAMAGED)
    found = _manifests(read, top, label, None, 0)
    if index is not None:
        if index >= len(found):
            raise InputError(f"{label} holds {len(found)} image manifests; there is no @{index}")
        descriptor = found[index][0]
    else:
        descriptor = _pick_manifest(found, label, ref, arch)
    manifest = _parse(_blob(read, descriptor, label), "the image manifest", label)
    config_descriptor = manifest.get("config")
    if not isinstance(config_descriptor, dict):
        raise InputError(f"{label}: the image manifest has no config descriptor")
    config_bytes = _blob(read, config_descriptor, label)
    config = _parse(config_bytes, "the image config", label)
    layers = manifest.get("layers")
    if not isinstance(layers, list) or not all(isinstance(item, dict) for item in layers):
        raise InputError(f"{label}: the image manifest's layers is not a list of descriptors")
    diff_ids = _diff_ids(config, len(layers), label)
    refs = []
    for index_, (layer, diff_id) in enumerate(zip(layers, diff_ids, strict=True), start=1):
        digest, size = _descriptor(layer, label)
        refs.append(LayerRef(index_, _blob_path(digest), diff_id, digest, size))
    config_digest, _ = _descriptor(config_descriptor, label)
    return ImagePlan(config, _sha256(config_bytes), tuple(refs), _blob_path(config_digest))


_DAMAGED = "the archive is damaged or was edited: save or copy the image again"


def _pick_docker_entry(manifest: Any, label: str, ref: str | None,
                       index: int | None) -> dict[str, Any]:
    if not isinstance(manifest, list) or not all(isinstance(item, dict) for item in manifest):
        raise InputError(f"{label}: manifest.json is not a list of images")
    if not manifest:
        raise InputError(f"{label}: manifest.json lists no image")
    if ref is None and index is None:
        if len(manifest) > 1:
            names = ", ".join(_tags(item) for item in manifest)
            raise InputError(f"{label} holds {len(manifest)} images ({names})",
                             "name one: docker-archive:PATH:NAME:TAG or docker-archive:PATH:@N")
        return dict(manifest[0])
    if index is not None:
        if index >= len(manifest):
            raise InputError(f"{label} holds {len(manifest)} images; there is no @{index}")
        return dict(manifest[index])
    wanted = {ref, f"{ref}:latest"}
    for item in manifest:
        if wanted & set(item.get("RepoTags") or ()):
            return dict(item)
    names = ", ".join(_tags(item) for item in manifest)
    raise InputError(f"{label} holds no image tagged {ref} (it holds {names})")


def _tags(item: dict[str, Any]) -> str:
    tags = item.get("RepoTags") or ()
    return "/".join(str(tag) for tag in tags) or "untagged"


def _manifests(read: ReadBytes, index: Any, label: str, name: str | None,
               depth: int) -> list[tuple[dict[str, Any], str | None]]:
    """Every image-manifest descriptor under `index`, with the ref name it is known by."""
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        raise InputError(f"{label}: an image index has no manifests list")
    found: list[tuple[dict[str, Any], str | None]] = []
    for descriptor in index["manifests"]:
        if not isinstance(descriptor, dict):
            raise InputError(f"{label}: an image index holds a descriptor that is not an object")
        ref_name = (descriptor.get("annotations") or {}).get(REF_NAME, name)
        media_type = descriptor.get("mediaType")
        if media_type in INDEX_TYPES:
            if depth >= _MAX_NESTING:
                raise InputError(f"{label}: image indexes nested more than {_MAX_NESTING} deep")
            nested = _parse(_blob(read, descriptor, label), "an image index", label)
            found.extend(_manifests(read, nested, label, ref_name, depth + 1))
        elif media_type in MANIFEST_TYPES or media_type is None:
            found.append((descriptor, ref_name))
    return found


def _pick_manifest(found: list[tuple[dict[str, Any], str | None]], label: str,
                   ref: str | None, arch: str | None) -> dict[str, Any]:
    candidates = [(d, name) for d, name in found if _platform(d) != "unknown/unknown"]
    if ref is not None:
        candidates = [(d, name) for d, name in candidates if name == ref]
        if not candidates:
            names = sorted({str(name) for _, name in found if name})
            raise InputError(f"{label} holds no image named {ref}",
                             f"it holds: {', '.join(names)}" if names else None)
    if arch is not None and len(candidates) > 1:
        wanted = Arch.oci_of(arch)
        offered = candidates
        candidates = [(d, name) for d, name in candidates
                      if str((d.get("platform") or {}).get("architecture")) == wanted]
        if not candidates:
            has = sorted({str((d.get("platform") or {}).get("architecture")) for d, _ in offered})
            raise InputError(f"{label}: no {arch} image in the oci-archive (it has: "
                             f"{', '.join(has)})")
    if len(candidates) == 1:
        return candidates[0][0]
    if not candidates:
        raise InputError(f"{label} holds no image manifest"
                         + (f" for {arch}" if arch is not None else ""))
    shown = ", ".join(f"{_platform(d)} ({name or 'unnamed'})" for d, name in candidates)
    raise InputError(f"{label} holds {len(candidates)} images: {shown}",
                     "name one with oci-archive:PATH:REF, or give the architecture")


def _platform(descriptor: dict[str, Any]) -> str:
    platform = descriptor.get("platform") or {}
    return f"{platform.get('os', '?')}/{platform.get('architecture', '?')}"


def _descriptor(descriptor: dict[str, Any], label: str) -> tuple[str, int]:
    digest, size = descriptor.get("digest"), descriptor.get("size")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise InputError(f"{label}: a descriptor's digest {digest!r} is not a sha256 digest",
                         "lambdacheck reads sha256 digests only")
    if not isinstance(size, int) or size < 0:
        raise InputError(f"{label}: the descriptor of {digest} has no valid size")
    return digest, size


def _blob(read: ReadBytes, descriptor: dict[str, Any], label: str) -> bytes:
    """A small blob (index, manifest, config), checked against its descriptor."""
    digest, size = _descriptor(descriptor, label)
    if size > MAX_JSON_BYTES:
        raise InputError(f"{label}: the metadata blob {digest} is {size} bytes, too big")
    data = _required(read, _blob_path(digest), label)
    if len(data) != size or _sha256(data) != digest:
        raise InputError(f"{label}: blob {digest} does not match its descriptor", _DAMAGED)
    return data


def _blob_path(digest: str) -> str:
    algorithm, _, hexdigest = digest.partition(":")
    return f"blobs/{algorithm}/{hexdigest}"


def _diff_ids(config: dict[str, Any], count: int, label: str) -> list[str]:
    rootfs = config.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or not all(
            isinstance(item, str) and _DIGEST.fullmatch(item) for item in diff_ids):
        raise InputError(f"{label}: the image config has no list of sha256 rootfs.diff_ids")
    if len(diff_ids) != count:
        raise InputError(f"{label}: the manifest lists {count} layers but the config "
                         f"{len(diff_ids)} diff_ids", _DAMAGED)
    return diff_ids


def _required(read: ReadBytes, name: str, label: str) -> bytes:
    data = read(name)
    if data is None:
        raise InputError(f"{label} does not hold {name}, which its metadata names", _DAMAGED)
    return data


def _json(read: ReadBytes, name: str, label: str) -> Any:
    data = read(name)
    return None if data is None else _parse(data, name, label)


def _parse(data: bytes, what: str, label: str) -> Any:
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{label}: {what} is not valid JSON ({exc})", _DAMAGED) from None
    if what != "manifest.json" and not isinstance(parsed, dict):
        raise InputError(f"{label}: {what} is not a JSON object")
    return parsed


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{what} is not a path")
    return value


def _sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"
