"""Build real image archives for tests: layer tars, docker-archives, OCI archives, and images
built with the engine (`docker build`, `docker save`).

Layers are written with tarfile's `addfile`, so names reach the tar exactly as given ("../x",
"/abs"). Digests (diff_ids, OCI descriptors) are computed here from the bytes written, the way
`docker save` and skopeo compute them, independently of checker.image.reader.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {None: "application/vnd.oci.image.layer.v1.tar",
               "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
               "gzip-members": "application/vnd.oci.image.layer.v1.tar+gzip",
               "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}


@dataclass(frozen=True)
class File:
    name: str
    data: bytes = b""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class Dir:
    name: str
    mode: int = 0o755
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class Symlink:
    name: str
    target: str


@dataclass(frozen=True)
class Hardlink:
    name: str
    target: str


@dataclass(frozen=True)
class Whiteout:
    """Deletes `path` of the layers below: an empty file named .wh.<basename>."""

    path: str


@dataclass(frozen=True)
class Opaque:
    """Makes directory `path` opaque: an empty file named .wh..wh..opq inside it."""

    path: str


@dataclass(frozen=True)
class Special:
    name: str
    type: bytes = tarfile.FIFOTYPE


Entry = File | Dir | Symlink | Hardlink | Whiteout | Opaque | Special


def layer_tar(entries: Sequence[Entry], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    """An uncompressed layer tar holding `entries` in order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for entry in entries:
            info, data = _tar_entry(entry)
            archive.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def _tar_entry(entry: Entry) -> tuple[tarfile.TarInfo, bytes]:
    if isinstance(entry, Whiteout):
        parent, _, base = entry.path.rpartition("/")
        return _tar_entry(File(f"{parent}/.wh.{base}" if parent else f".wh.{base}"))
    if isinstance(entry, Opaque):
        return _tar_entry(File(f"{entry.path}/.wh..wh..opq"))
    info = tarfile.TarInfo(entry.name)
    info.mtime = 1_700_000_000
    data = b""
    if isinstance(entry, File):
        data = entry.data
        info.size, info.mode, info.uid, info.gid = len(data), entry.mode, entry.uid, entry.gid
    elif isinstance(entry, Dir):
        info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, entry.mode, entry.uid, entry.gid
    elif isinstance(entry, Symlink):
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, entry.target, 0o777
    elif isinstance(entry, Hardlink):
        info.type, info.linkname, info.mode = tarfile.LNKTYPE, entry.target, 0o644
    else:
        info.type = entry.type
    return info, data


def compress(data: bytes, compression: str | None) -> bytes:
    """`data` compressed; "gzip-members": by the gzip program, in three members one after
    another (`gzip -c a > l.gz; gzip -c b >> l.gz; ...`, as eStargz and some builders write)."""
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "gzip-members":
        third = len(data) // 3
        return b"".join(subprocess.run(["gzip", "-c", "-n"], input=part, capture_output=True,
                                       check=True, timeout=60).stdout
                        for part in (data[:third], data[third:2 * third], data[2 * third:]))
    if compression == "zstd":
        import zstandard  # only tests of zstd layers need it

        return bytes(zstandard.ZstdCompressor().compress(data))
    return data


def sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def config_json(layers: Sequence[bytes], *, architecture: str = "amd64", variant: str | None = None,
                **settings: Any) -> dict[str, Any]:
    """An image config for uncompressed layer tars `layers` (their diff_ids)."""
    config: dict[str, Any] = {
        "architecture": architecture, "os": "linux",
        "config": {"Env": ["PATH=/usr/bin:/bin"], "WorkingDir": "", "User": "",
                   "Entrypoint": None, "Cmd": None, "Labels": None, **settings},
        "rootfs": {"type": "layers", "diff_ids": [sha256(layer) for layer in layers]},
    }
    if variant is not None:
        config["variant"] = variant
    return config


@dataclass
class TarWriter:
    """Writes members of an outer archive in the order asked."""

    path: Path
    members: list[tuple[tarfile.TarInfo, bytes]] = field(default_factory=list)

    def add(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
        self.members.append((info, data))

    def link(self, name: str, target: str) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = tarfile.SYMTYPE, target
        self.members.append((info, b""))

    def write(self) -> Path:
        with tarfile.open(self.path, "w", format=tarfile.PAX_FORMAT) as archive:
            for info, data in self.members:
                archive.addfile(info, io.BytesIO(data) if data else None)
        return self.path


def docker_archive(path: Path, layers: Sequence[bytes], config: dict[str, Any] | None = None, *,
                   repo_tags: Sequence[str] = ("test/image:latest",), manifest_first: bool = False,
                   compression: str | None = None, images: int = 1) -> Path:
    """A `docker save` archive (legacy layout: <id>/layer.tar, <config digest>.json, manifest.json
    and repositories). A repeated layer is stored once, the later copy a symlink to it, as docker
    does. `images` > 1 stores that many copies of the image under tags suffixed -1, -2, ..."""
    config = config if config is not None else config_json(layers)
    config_bytes = json.dumps(config).encode()
    config_name = sha256(config_bytes).removeprefix("sha256:") + ".json"
    writer = TarWriter(path)
    names: list[str] = []
    stored: dict[bytes, str] = {}
    blobs: list[tuple[str, str | bytes]] = []  # (name, symlink target or data)
    for index, layer in enumerate(layers):
        name = f"{hashlib.sha256(b'%d' % index + layer).hexdigest()}/layer.tar"
        names.append(name)
        if layer in stored:
            blobs.append((name, f"../{stored[layer]}"))
        else:
            stored[layer] = name
            blobs.append((name, compress(layer, compression)))
    manifest = [{"Config": config_name, "RepoTags": [f"{tag}-{copy}" if images > 1 else tag
                                                     for tag in repo_tags],
                 "Layers": names} for copy in range(1, images + 1)]
    manifest_bytes = json.dumps(manifest).encode()
    if manifest_first:
        writer.add("manifest.json", manifest_bytes)
    for name, blob in blobs:
        if isinstance(blob, str):
            writer.link(name, blob)
        else:
            writer.add(name, blob)
    writer.add(config_name, config_bytes)
    if not manifest_first:
        writer.add("manifest.json", manifest_bytes)
    writer.add("repositories", b"{}")
    return writer.write()


@dataclass
class OciImage:
    """One image of an OCI layout: uncompressed layer tars, its config and how to store it."""

    layers: Sequence[bytes]
    config: dict[str, Any] | None = None
    compression: str | None = "gzip"
    platform: dict[str, str] | None = None
    ref_name: str | None = None


def oci_archive(path: Path, images: Sequence[OciImage], *, nested: bool = False,
                extra_manifests: Sequence[dict[str, Any]] = ()) -> Path:
    """An OCI image layout in a tar (what `skopeo copy ... oci-archive:` writes). With `nested`,
    index.json points at one image index holding the images (a multi-platform image)."""
    writer = TarWriter(path)
    writer.add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    descriptors = [_store_image(writer, image) for image in images]
    descriptors += list(extra_manifests)
    if nested:
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                            "manifests": descriptors}).encode()
        descriptors = [_store(writer, index, OCI_INDEX)]
    writer.add("index.json", json.dumps({"schemaVersion": 2, "manifests": descriptors}).encode())
    return writer.write()


def _store_image(writer: TarWriter, image: OciImage) -> dict[str, Any]:
    config = image.config if image.config is not None else config_json(image.layers)
    layers = [_store(writer, compress(layer, image.compression), LAYER_TYPES[image.compression])
              for layer in image.layers]
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": _store(writer, json.dumps(config).encode(), OCI_CONFIG),
                "layers": layers}
    descriptor = _store(writer, json.dumps(manifest).encode(), OCI_MANIFEST)
    if image.platform is not None:
        descriptor["platform"] = image.platform
    if image.ref_name is not None:
        descriptor["annotations"] = {"org.opencontainers.image.ref.name": image.ref_name}
    return descriptor


def _store(writer: TarWriter, data: bytes, media_type: str) -> dict[str, Any]:
    digest = sha256(data)
    if not any(info.name == _blob(digest) for info, _ in writer.members):
        writer.add(_blob(digest), data)
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def _blob(digest: str) -> str:
    return "blobs/sha256/" + digest.removeprefix("sha256:")


class _Pattern(io.RawIOBase):
    """`size` bytes of a repeating, incompressible-looking pattern, produced as read."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self._left = size
        self._block = hashlib.sha512(b"lambdacheck").digest() * 2048  # 128 KiB

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self._left, len(self._block))
        buffer[:count] = self._block[:count]
        self._left -= count
        return count


def big_layer(path: Path, name: str, size: int) -> Path:
    """A layer tar on disk holding one file of `size` bytes, written without holding it."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size, info.mode = size, 0o755
        archive.addfile(info, io.BufferedReader(_Pattern(size)))
    return path


def docker_archive_of_files(path: Path, layers: Sequence[Path]) -> Path:
    """A docker-archive of layer tars stored on disk, streamed in (for big images)."""
    digests = [_file_sha256(layer) for layer in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": digests}}).encode()
    config_name = sha256(config).removeprefix("sha256:") + ".json"
    names = [f"{digest.removeprefix('sha256:')}/layer.tar" for digest in digests]
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["big:latest"],
                            "Layers": names}]).encode()
    with tarfile.open(path, "w") as archive:
        for layer, name in zip(layers, names, strict=True):
            archive.add(layer, arcname=name)
        for name, data in ((config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


# --- converting and editing real `docker save` archives ----------------------------------


@dataclass(frozen=True)
class SavedImage:
    """The pieces of a docker-archive: its config and its layer tars (uncompressed), in order."""

    config: dict[str, Any]
    layers: tuple[bytes, ...]


def read_docker_archive(path: Path) -> SavedImage:
    """The first image of a docker-archive, read with tarfile (the test's own reader)."""
    with tarfile.open(path) as archive:
        manifest = json.loads(_member(archive, "manifest.json"))[0]
        config = json.loads(_member(archive, manifest["Config"]))
        layers = tuple(_member(archive, name) for name in manifest["Layers"])
    return SavedImage(config, layers)


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    handle = archive.extractfile(name)
    assert handle is not None, name
    return handle.read()


def docker_to_oci(source: Path, target: Path, compression: str | None = "gzip") -> Path:
    """The image of docker-archive `source` as an OCI archive, layers compressed anew."""
    saved = read_docker_archive(source)
    return oci_archive(target, [OciImage(saved.layers, saved.config, compression)])


def edit_config(source: Path, target: Path, **changes: Any) -> Path:
    """A copy of docker-archive `source` whose config has `changes` at its top level (with the
    new config's digest as its name, as docker would write it)."""
    saved = read_docker_archive(source)
    return docker_archive(target, saved.layers, {**saved.config, **changes})


# --- the engine ----------------------------------------------------------------------------


class EngineImages:
    """Builds images with `docker build` from a context of files; removes them at close()."""

    def __init__(self, root: Path, repository: str = "lambdacheck-test/image-read") -> None:
        self.root = root
        self.repository = repository
        self.tags: list[str] = []

    def build(self, dockerfile: str, files: dict[str, tuple[bytes, int]]) -> str:
        context = self.root / uuid.uuid4().hex[:10]
        context.mkdir(parents=True)
        for name, (data, mode) in files.items():
            target = context / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(mode)
        (context / "Dockerfile").write_text(dockerfile)
        tag = f"{self.repository}:{context.name}"
        subprocess.run(["docker", "build", "-q", "--network", "none", "-t", tag, str(context)],
                       check=True, capture_output=True, timeout=300)
        self.tags.append(tag)
        return tag

    def save(self, tag: str) -> Path:
        archive = self.root / f"{tag.rsplit(':', 1)[1]}.tar"
        subprocess.run(["docker", "save", "-o", str(archive), tag], check=True, timeout=300)
        return archive

    def export(self, tag: str) -> Path:
        """The merged filesystem as the engine lays it out: `docker export` of a container that
        is created and never started."""
        name = f"lambdacheck-test-export-{uuid.uuid4().hex[:8]}"
        subprocess.run(["docker", "create", "--name", name, "--entrypoint", "/none", tag],
                       check=True, capture_output=True, timeout=60)
        try:
            target = self.root / f"{name}.tar"
            subprocess.run(["docker", "export", "-o", str(target), name], check=True,
                           timeout=300)
        finally:
            subprocess.run(["docker", "rm", "-f", name], check=False, capture_output=True)
        return target

    def close(self) -> None:
        if self.tags:
            subprocess.run(["docker", "rmi", "-f", *self.tags], check=False,
                           capture_output=True)


def tar_listing(path: Path) -> Iterator[tarfile.TarInfo]:
    with tarfile.open(path) as archive:
        yield from archive


def docker_archive_of_images(path: Path, images: Sequence[tuple[str, Sequence[bytes],
                                                                dict[str, Any]]]) -> Path:
    """A `docker save` archive of several different images: (tag, layers, config) each, in
    manifest.json in the order given (as `docker save A B` writes it)."""
    writer = TarWriter(path)
    manifest = []
    for tag, layers, config in images:
        config_bytes = json.dumps(config).encode()
        config_name = sha256(config_bytes).removeprefix("sha256:") + ".json"
        names = []
        for layer in layers:
            name = f"{sha256(layer).removeprefix('sha256:')}/layer.tar"
            if name not in names:
                writer.add(name, layer)
            names.append(name)
        writer.add(config_name, config_bytes)
        manifest.append({"Config": config_name, "RepoTags": [tag], "Layers": names})
    writer.add("manifest.json", json.dumps(manifest).encode())
    return writer.write()
