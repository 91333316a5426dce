"""Walk an image archive's layers in order and check each against its digests.

A plain tar file (what `docker save -o` and `skopeo copy ... oci-archive:` write) is read with
random access: its index first, then each layer blob streamed in image order and merged as
it goes. A stream (the engine's `docker save`, or a compressed archive file) is read once:
metadata is kept, each layer blob is read into a LayerDiff under its member name, and the
diffs are merged in image order at the end (so nothing is spooled to disk, whatever the
order in which the archive lists its members).
"""

from __future__ import annotations

import io
import posixpath
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Protocol, cast

from checker.artifact.sniff import describe_start
from checker.errors import InputError
from checker.image.layer import LayerDiff
from checker.image.manifest import MAX_JSON_BYTES, ImagePlan, LayerRef, docker_plan, oci_plan
from checker.image.ref import OCI_ARCHIVE, ImageRef
from checker.image.span import FileSlice
from checker.image.stream import (
    CHUNK,
    BlobError,
    Digesting,
    ForwardReader,
    Prefetch,
    Readable,
    compression_of,
    decompressing,
)
from checker.records import record
from checker.streams import ChunkFile, reason


class LayerReading(Protocol):
    """What the archive walk hands layer blobs to (checker.image.reader's reader)."""

    def read(self, blob: IO[bytes], what: str) -> LayerDiff:
        """Read one blob, positioned at its start (streams: in archive order)."""

    def read_spans(self, spans: list[BlobSpan]) -> Iterator[LayerDiff]:
        """Read blobs of a regular file, yielding their diffs in the order given."""

    def apply(self, diff: LayerDiff, ref: LayerRef) -> bool:
        """Merge a diff; False when no further layer is wanted (limits reached)."""


@record
class BlobSpan:
    """A blob stored uncompressed in a regular archive file: it can be opened on its own."""

    path: Path
    offset: int
    size: int
    what: str

    def open(self) -> IO[bytes]:
        return io.BufferedReader(FileSlice(self.path, self.offset, self.size), CHUNK)


_DAMAGED = "the archive is damaged or truncated: save or copy the image again"
_MAX_LINK_HOPS = 8


def read_plan(image: ImageRef, arch: str | None) -> ImagePlan:
    """The metadata of the image `image` names in its archive file, digests checked, and no
    layer read (what the runner needs to load it into an engine). Compressed archive files
    are opened as tarfile opens them."""
    label = str(image)
    start = _first_bytes(image.path, label)
    try:
        outer = tarfile.open(image.path)  # noqa: SIM115  (closed below)
    except (tarfile.TarError, OSError) as exc:
        raise _not_a_tar(label, start, exc) from None
    with outer:
        members = _index(outer, label)
        return _plan(lambda name: _member_bytes(outer, members, name, label), image, arch,
                     label)


def read_archive_file(image: ImageRef, arch: str | None, layers: LayerReading) -> ImagePlan:
    """Read the archive file `image` names (a docker-archive or an oci-archive)."""
    path, label = image.path, str(image)
    start = _first_bytes(path, label)
    compression = compression_of(start)
    if compression is not None:
        with path.open("rb") as handle:
            stream = decompressing(Digesting(handle), compression)
            return read_archive_stream(stream, image, arch, label, layers)
    try:
        outer = tarfile.open(path, mode="r:")  # noqa: SIM115  (closed below)
    except (tarfile.TarError, OSError) as exc:
        raise _not_a_tar(label, start, exc) from None
    with outer:
        members = _index(outer, label)
        plan = _plan(lambda name: _member_bytes(outer, members, name, label), image, arch,
                     label)
    spans = [_span(path, members, ref, label) for ref in plan.layers]
    diffs = layers.read_spans(spans)
    try:
        for ref in plan.layers:
            diff = _read(lambda: next(diffs), label)
            _verify(ref, diff, label)
            if not layers.apply(diff, ref):
                break
    finally:
        close = getattr(diffs, "close", None)
        if close is not None:
            close()
    return plan


def _not_a_tar(label: str, start: bytes, exc: BaseException) -> InputError:
    return InputError(f"{label} is not a tar archive ({describe_start(start)})",
                      f"expected the output of `docker save` or `skopeo copy` ({reason(exc)})")


def _span(path: Path, members: dict[str, tarfile.TarInfo], ref: LayerRef,
          label: str) -> BlobSpan:
    member = _resolve(members, ref.member)
    if member is None or not member.isfile():
        raise InputError(f"{label} does not hold layer blob {ref.member}", _DAMAGED)
    return BlobSpan(path, member.offset_data, member.size, f"layer blob {ref.member}")


def read_archive_chunks(chunks: Iterator[bytes], label: str,
                        layers: LayerReading) -> ImagePlan:
    """Read a docker-archive of one image arriving as a stream of chunks (the engine's
    `docker save`)."""
    buffered = io.BufferedReader(ChunkFile(chunks), CHUNK)
    return read_archive_stream(buffered, None, None, label, layers)


def read_archive_stream(stream: Readable, image: ImageRef | None, arch: str | None,
                        label: str, layers: LayerReading) -> ImagePlan:
    """Read an archive that can only be read forward, once (`image` None: an engine's
    `docker save` of one image)."""
    metadata: dict[str, bytes] = {}
    links: dict[str, str] = {}
    diffs: dict[str, LayerDiff] = {}
    prefetch = Prefetch(lambda: stream.read(CHUNK), f"{label} cannot be read")
    try:
        reader = ForwardReader(prefetch.next_chunk)
        outer = tarfile.TarFile(fileobj=cast("IO[bytes]", reader), mode="r")
        while (info := outer.next()) is not None:
            outer.members.clear()  # type: ignore[attr-defined]
            _stream_member(outer, info, metadata, links, diffs, layers, label)
    except BlobError as exc:
        raise InputError(f"{label}: {exc}", _DAMAGED) from None
    except (tarfile.TarError, OSError) as exc:
        raise InputError(f"{label} is not a readable tar archive ({reason(exc)})",
                         _DAMAGED) from None
    finally:
        prefetch.close()
    names = _Names(metadata, links)
    plan = _plan(names.read, image, arch, label)
    for ref in plan.layers:
        diff = diffs.get(names.resolve(ref.member))
        if diff is None:
            raise InputError(f"{label} does not hold layer blob {ref.member}", _DAMAGED)
        _verify(ref, diff, label)
        if not layers.apply(diff, ref):
            break
    return plan


def _stream_member(outer: tarfile.TarFile, info: tarfile.TarInfo, metadata: dict[str, bytes],
                   links: dict[str, str], diffs: dict[str, LayerDiff], layers: LayerReading,
                   label: str) -> None:
    name = _clean(info.name)
    if info.issym() or info.islnk():
        base = posixpath.dirname(name) if info.issym() else ""
        links[name] = _clean(posixpath.join(base, info.linkname))
        return
    if not info.isfile():
        return
    blob = outer.extractfile(info)
    if blob is None:
        return
    with blob:
        start = cast("io.BufferedReader", blob).peek(512)[:512]
        if info.size <= MAX_JSON_BYTES and start.lstrip()[:1] in (b"{", b"["):
            metadata[name] = blob.read()
        elif _looks_like_layer(start):
            diffs[name] = _read(lambda: layers.read(blob, f"layer blob {name}"), label)


def _looks_like_layer(start: bytes) -> bool:
    empty_tar = len(start) == 512 and not start.strip(b"\0")
    return compression_of(start) is not None or start[257:262] == b"ustar" or empty_tar


class _Names:
    """Member names of a streamed archive: metadata kept in memory, and symlinks."""

    def __init__(self, metadata: dict[str, bytes], links: dict[str, str]) -> None:
        self._metadata = metadata
        self._links = links

    def resolve(self, name: str) -> str:
        name = _clean(name)
        for _ in range(_MAX_LINK_HOPS):
            if name not in self._links:
                break
            name = self._links[name]
        return name

    def read(self, name: str) -> bytes | None:
        return self._metadata.get(self.resolve(name))


def _plan(read: Callable[[str], bytes | None], image: ImageRef | None, arch: str | None,
          label: str) -> ImagePlan:
    if image is None:
        return docker_plan(read, label)  # an engine's `docker save` of the one image
    if image.transport == OCI_ARCHIVE:
        return oci_plan(read, label, arch, image.ref, image.index)
    return docker_plan(read, label, image.ref, image.index)


def _read(read: Callable[[], LayerDiff], label: str) -> LayerDiff:
    try:
        return read()
    except BlobError as exc:
        raise InputError(f"{label}: {exc}", _DAMAGED) from None


def _verify(ref: LayerRef, diff: LayerDiff, label: str) -> None:
    """InputError when a fully read layer does not match the digests its metadata gives."""
    if not diff.complete:
        return  # reading stopped at the budget: the anomaly says so, digests are unknown
    what = f"{label}: layer {ref.index} ({ref.member})"
    if ref.size is not None and diff.blob_size != ref.size:
        raise InputError(f"{what} is {diff.blob_size} bytes; its descriptor says {ref.size}",
                         _DAMAGED)
    if ref.digest is not None and diff.blob_digest != ref.digest:
        raise InputError(f"{what} does not match its digest {ref.digest} "
                         f"({diff.blob_digest} found)", _DAMAGED)
    if diff.diff_id != ref.diff_id:
        raise InputError(f"{what} does not match the config's diff_id {ref.diff_id} "
                         f"({diff.diff_id} found)", _DAMAGED)


def _first_bytes(path: Path, label: str) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(512)
    except FileNotFoundError:
        raise InputError(f"{label}: {path} does not exist", "check the archive path") from None
    except IsADirectoryError:
        raise InputError(f"{label}: {path} is a directory, not an archive file",
                         "an OCI layout directory must be tarred (skopeo copy ... "
                         "oci-archive:FILE)") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None


def _index(outer: tarfile.TarFile, label: str) -> dict[str, tarfile.TarInfo]:
    try:
        return {_clean(member.name): member for member in outer.getmembers()}
    except (tarfile.TarError, OSError) as exc:
        raise InputError(f"{label} is a damaged tar archive ({reason(exc)})", _DAMAGED) from None


def _resolve(members: dict[str, tarfile.TarInfo], name: str) -> tarfile.TarInfo | None:
    member = members.get(_clean(name))
    for _ in range(_MAX_LINK_HOPS):
        if member is None or not (member.issym() or member.islnk()):
            return member
        base = posixpath.dirname(member.name) if member.issym() else ""
        member = members.get(_clean(posixpath.join(base, member.linkname)))
    return None


def _member_bytes(outer: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str,
                  label: str) -> bytes | None:
    member = _resolve(members, name)
    if member is None or not member.isfile():
        return None
    if member.size > MAX_JSON_BYTES:
        raise InputError(f"{label}: {name} is {member.size} bytes, too big for metadata")
    handle = outer.extractfile(member)
    if handle is None:
        return None
    try:
        with handle:
            data = handle.read()
    except (tarfile.TarError, OSError) as exc:
        raise InputError(f"{label}: cannot read {name} ({reason(exc)})", _DAMAGED) from None
    return data


def _clean(name: str) -> str:
    return posixpath.normpath("/" + name).lstrip("/")
