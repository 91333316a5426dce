"""Read a container image without running it: its config and its merged root filesystem.

Sources (checker.image.ref.ImageRef): `docker-archive:PATH` and `oci-archive:PATH` are read with
no engine at all; `docker-daemon:NAME[:TAG]` reads the engine's `docker save` stream. Each
layer is read in one pass (image/layer.py) and the layers are merged in order, whiteouts
applied (image/merge.py); every byte is checked against the digests the image's metadata gives
(a thread hashes while the entries are walked). An archive file's layers are read by several
processes; a plain layer tar in a file is walked with seeks. Memory stays bounded whatever the
image's size: a few MiB of buffers per process plus the facts (about 1 KiB per entry).

Choices:
- unpacked_size: regular-file bytes of the merged filesystem, each hard-linked file once;
  all_layers_size: regular-file bytes of every layer, counting files that upper layers replace
  or delete. Lambda's 10 GB limit is on "the uncompressed image size, including all layers",
  so a quota check should compare the larger, all_layers_size, with it.
- Hard links are FILE entries with their target's facts (they are the same file).
- Device nodes and FIFOs are not files a function can use: they are listed in
  ImageFacts.special_files and left out of the filesystem's FileFacts.
- Absolute symlink targets are normal in an image (paths are from "/"): no SYMLINK_ESCAPE.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import field
from typing import IO

from checker.artifact.reader import ScanLimits, picklable
from checker.engine import ConnectExporter, EngineError
from checker.errors import EngineUnavailable, InputError
from checker.facts import AnomalyKind, ArtifactFacts, ArtifactRole
from checker.image.archive import BlobSpan, read_archive_chunks, read_archive_file
from checker.image.config import ImageConfig, image_config
from checker.image.layer import Budget, LayerDiff, Wants, read_layer, read_layer_at
from checker.image.manifest import ImagePlan, LayerRef
from checker.image.merge import Filesystem
from checker.image.ref import ImageRef
from checker.image.stream import BlobError
from checker.records import mutable_record, record

IMAGE_LIMITS = ScanLimits(
    max_unpacked_bytes=12 * 1024**3,  # decompressed layer bytes; Lambda's limit is 10 GB
    max_members=500_000,  # entries across all layers
    max_ratio=1000,
    max_text_bytes=1_048_576,
)


@record
class ImageFacts:
    """One image, read.

    ref: str(ImageRef); image_id: the config's digest ("sha256:…", docker's image ID)
    layers: how many; compressed_size: bytes of the layer blobs as stored in the archive
    unpacked_size / all_layers_size: see the module docstring
    filesystem: role IMAGE, FileFacts paths relative to "/" ("var/task/app.py")
    owners: (uid, gid) of every path in the filesystem, from the tar headers
    special_files: (path, kind) of device nodes and FIFOs, left out of `filesystem`
    """

    ref: str
    config: ImageConfig
    layers: int
    unpacked_size: int
    compressed_size: int
    filesystem: ArtifactFacts
    image_id: str = ""
    all_layers_size: int = 0
    owners: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    special_files: tuple[tuple[str, str], ...] = ()


def no_path(path: str) -> bool:
    """The default `want_text`: no file's bytes are kept."""
    del path
    return False


def every_path(path: str) -> bool:
    """The default `want_elf`: every ELF file is parsed."""
    del path
    return True


def read_image(
    ref: ImageRef,
    *,
    want_text: Callable[[str], bool] = no_path,
    want_elf: Callable[[str], bool] = every_path,
    limits: ScanLimits = IMAGE_LIMITS,
    arch: str | None = None,
    workers: int | None = None,
    connect: ConnectExporter | None = None,
) -> ImageFacts:
    """Read the image `ref` names. `want_text(path)`: keep the file's bytes in
    filesystem.texts (up to limits.max_text_bytes); `want_elf(path)`: parse an ELF file's
    facts (others are only sniffed). `arch` ("x86_64"/"arm64") picks the image of a
    multi-platform OCI index. An archive file's layers are read by up to `workers`
    processes (default: one per core) when the two functions can be pickled. `connect`
    gives the engine a docker-daemon image is saved from (checker.runner.connect; the reader
    never makes one itself). InputError when the image cannot be read at all."""
    wants = Wants(want_text, want_elf, limits.max_text_bytes)
    reading = _Reading(wants, limits, Filesystem(want_text),
                       workers if workers is not None else os.cpu_count() or 1)
    label = str(ref)
    if not ref.is_archive:
        plan = _read_daemon(ref.location, label, reading, connect)
        archive_size = None
    else:
        plan = read_archive_file(ref, arch, reading)
        archive_size = ref.path.stat().st_size
    return reading.facts(label, plan, archive_size)


@mutable_record
class _Reading:
    """One image being read: what is wanted, the limits, the merged filesystem.

    Each layer is read with what is left of the limits when it starts (all of them for layers
    read in parallel); the totals are checked again as layers merge, in image order, and
    merging stops at the first layer that goes past them (with a BOMB anomaly).
    """

    wants: Wants
    limits: ScanLimits
    filesystem: Filesystem
    workers: int
    compressed_size: int = 0
    read_bytes: int = 0  # decompressed, in reading order (streams: archive order)
    read_entries: int = 0
    merged_bytes: int = 0  # decompressed, of the layers merged so far
    merged_entries: int = 0

    def read(self, blob: IO[bytes], what: str) -> LayerDiff:
        budget = self._budget()
        if budget.max_bytes < 0 or budget.max_entries < 0:
            return LayerDiff(complete=False)  # past the limits: the merge says so
        diff = read_layer(blob, what, self.wants, budget)
        self.read_bytes += diff.decompressed
        self.read_entries += diff.entries
        return diff

    def read_at(self, span: BlobSpan) -> LayerDiff:
        budget = self._budget()
        if budget.max_bytes < 0 or budget.max_entries < 0:
            return LayerDiff(complete=False)
        diff = read_layer_at(span.path, span.offset, span.size, span.what, self.wants, budget)
        self.read_bytes += diff.decompressed
        self.read_entries += diff.entries
        return diff

    def _budget(self) -> Budget:
        return Budget(self.limits.max_unpacked_bytes - self.read_bytes,
                      self.limits.max_members - self.read_entries)

    def read_spans(self, spans: list[BlobSpan]) -> Iterator[LayerDiff]:
        workers = min(self.workers, len(spans))
        if workers <= 1 or not picklable(self.wants):
            for span in spans:
                yield self.read_at(span)
            return
        from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for a pool

        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures: dict[int, Future[LayerDiff]] = {}
            for index in sorted(range(len(spans)), key=lambda i: -spans[i].size):  # big first
                futures[index] = pool.submit(_read_span, spans[index], self.wants, self.limits)
            try:
                for index in range(len(spans)):
                    yield futures[index].result()
            finally:
                for future in futures.values():
                    future.cancel()

    def apply(self, diff: LayerDiff, ref: LayerRef) -> bool:
        self.compressed_size += diff.blob_size
        self.merged_bytes += diff.decompressed
        self.merged_entries += diff.entries
        if diff.complete and self.merged_bytes <= self.limits.max_unpacked_bytes \
                and self.merged_entries <= self.limits.max_members:
            self.filesystem.apply(diff, f"layer {ref.index}")
            return True
        diff.flag(AnomalyKind.BOMB, "", f"more than {self.limits.max_unpacked_bytes // 2**20} "
                  f"MiB or {self.limits.max_members} entries in the layers; this layer and "
                  "those above it were not read in full (sizes and files are partial)")
        self.filesystem.apply(diff, f"layer {ref.index}")
        return False

    def facts(self, label: str, plan: ImagePlan, archive_size: int | None) -> ImageFacts:
        merged = self.filesystem
        unpacked = merged.unpacked_size()
        filesystem = ArtifactFacts(
            name=label, role=ArtifactRole.IMAGE, container="image", archive_size=archive_size,
            unpacked_size=unpacked, files=merged.sorted_files(),
            anomalies=tuple(merged.anomalies), texts=dict(merged.texts))
        return ImageFacts(
            ref=label, config=image_config(plan.config, label), layers=len(plan.layers),
            unpacked_size=unpacked, compressed_size=self.compressed_size, filesystem=filesystem,
            image_id=plan.config_digest, all_layers_size=merged.all_layers_size,
            owners=dict(merged.owners), special_files=tuple(sorted(merged.specials.items())))


def _read_span(span: BlobSpan, wants: Wants, limits: ScanLimits) -> LayerDiff:
    """In a worker process: read one layer blob of an archive file."""
    return read_layer_at(span.path, span.offset, span.size, span.what, wants,
                         Budget(limits.max_unpacked_bytes, limits.max_members))


def _read_daemon(name: str, label: str, reading: _Reading,
                 connect: ConnectExporter | None) -> ImagePlan:
    if connect is None:
        raise InputError(f"{label}: no container engine to read it from",
                         "use docker-archive:PATH (docker save NAME -o PATH)")
    try:
        engine = connect()
    except EngineUnavailable as error:
        raise InputError(f"{label}: {error.message}", error.hint) from None
    try:
        chunks = engine.save_image(name)
        if chunks is None:
            raise InputError(f"image {name} is not in the local engine",
                             "docker pull/build it, or use docker-archive:PATH")
        return read_archive_chunks(_engine_errors(chunks, EngineError), label, reading)
    except EngineError as error:
        raise InputError(f"{label}: {error}") from None
    finally:
        engine.close()


def _engine_errors(chunks: Iterator[bytes], error_type: type[Exception]) -> Iterator[bytes]:
    """The chunks, with the engine's errors (a stream cut midway) as BlobError."""
    try:
        yield from chunks
    except error_type as error:
        raise BlobError(f"the engine's image stream failed: {error}") from None

