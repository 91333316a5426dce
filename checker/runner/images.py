"""Container-image functions: make the image present in the engine (archives are loaded), read
its config, see whether it carries the RIE and which extensions, and undo the loading after.

No implicit pull: a docker-daemon image that is not in the engine is pulled only with
--pull missing/always. An archive is loaded for the run and removed afterwards when the engine
did not hold that image before; tags the archive moved are put back. A docker-archive of one
image is loaded as it is; an oci-archive, or one image (:NAME:TAG, :@N) of a docker-archive,
is first written as a docker-archive of that image (checker/runner/archives.py).
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from dataclasses import field
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from checker.engine import Engine
from checker.errors import ImageUnavailable, InputError
from checker.image.config import ImageConfig, inspected_config
from checker.image.ref import DOCKER_ARCHIVE, ImageRef
from checker.lambda_env import EXTENSIONS_DIR
from checker.options import ExecOptions, PullPolicy
from checker.progress import LOAD, CountingReader, Progress
from checker.records import mutable_record, record
from checker.runner.errors import ContainerError, RunnerError
from checker.runner.rie_binary import find_rie
from checker.runner.session import MANAGED_LABEL, OWNER_LABEL, SESSION_LABEL, owner
from checker.runner.spec import RIE_BINARY, engine_platform

if TYPE_CHECKING:
    from checker.runner.archives import ArchiveImage

LAMBDA_USERS = frozenset({"", "993", "993:990", "sbx_user1051"})


@record
class FunctionImage:
    """An image target ready to run.

    reference:  what the engine runs (a name, or "sha256:..." for a loaded archive)
    rie_mount:  a host RIE to mount at /usr/local/bin/aws-lambda-rie (None: the image's own)
    extensions: the files in the image's /opt/extensions
    """

    reference: str
    config: ImageConfig
    rie_mount: Path | None
    extensions: tuple[str, ...]
    notes: tuple[str, ...] = ()


@mutable_record
class _Loaded:
    """An image `docker load` brought in, and what to undo after the run: whether it was present
    before, and what each of its tags pointed to (None: nothing)."""

    image_id: str
    was_present: bool
    previous_tags: dict[str, str | None] = field(default_factory=dict)


class ImageLoader:
    """Prepares image targets for one run and undoes what it loaded (close())."""

    def __init__(self, engine: Engine, progress: Progress) -> None:
        self._engine = engine
        self._progress = progress
        self._loaded: list[_Loaded] = []
        self._prepared: dict[tuple[ImageRef, str], FunctionImage | str] = {}

    def prepare(self, ref: ImageRef, arch: str, options: ExecOptions) -> FunctionImage | str:
        """The image ready to run, or the reason it cannot run."""
        key = (ref, arch)
        if key not in self._prepared:
            try:
                self._prepared[key] = self._prepare(ref, arch, options)
            except RunnerError as error:
                self._prepared[key] = str(error)
            except ImageUnavailable as error:
                self._prepared[key] = error.message
        return self._prepared[key]

    def close(self) -> None:
        """Remove what was loaded (when the engine did not have it) and restore moved tags."""
        while self._loaded:
            loaded = self._loaded.pop()
            with contextlib.suppress(ContainerError):
                self._undo(loaded)

    def _prepare(self, ref: ImageRef, arch: str, options: ExecOptions) -> FunctionImage | str:
        reference = self._present(ref, arch, options)
        if reference is None:
            return (f"image {ref.location} is not in the engine; lambdacheck pulls function "
                    "images only with --pull missing or --pull always")
        found = self._engine.inspect_image(reference)
        if found is None:
            return f"image {ref} disappeared from the engine"
        try:
            config = inspected_config(found, f"image {ref}")
        except InputError as error:
            return error.message
        if config.architecture != arch:
            return f"image {ref} is for {config.architecture}, the target is {arch}"
        has_rie, extensions = self._look_inside(reference)
        rie_mount = options.rie_path.resolve() if options.rie_path else None
        if rie_mount is None and not has_rie:
            rie_mount = find_rie(arch)
            if rie_mount is None:
                return (f"image {ref} has no {RIE_BINARY} and no {arch} RIE was found: give "
                        "--rie PATH (aws-lambda-rie from the aws-sam-cli wheel)")
        notes = []
        if config.user not in LAMBDA_USERS:
            notes.append(f"the image's USER {config.user} is ignored: Lambda runs images as "
                         "uid 993")
        return FunctionImage(reference, config, rie_mount, tuple(extensions), tuple(notes))

    def _present(self, ref: ImageRef, arch: str, options: ExecOptions) -> str | None:
        if not ref.is_archive:
            return self._daemon_image(ref.location, arch, options)
        # here: a ZIP function's run never reads an image archive
        from checker.runner.archives import extract_image, read_docker_archive

        name = str(ref)
        self._progress.begin(name, LOAD, brief=True)
        ok = False
        try:
            if ref.transport == DOCKER_ARCHIVE and ref.selector is None:
                image = read_docker_archive(ref.path)  # loaded as it is, tags and all
                self._load(ref.path, image, name)
            else:
                with tempfile.TemporaryDirectory(prefix="lambdacheck-load-") as work:
                    converted = Path(work) / "image.tar"
                    image = extract_image(ref, arch, converted)
                    self._load(converted, image, name)
            ok = True
        finally:
            self._progress.finish(name, ok=ok)
        return image.image_id

    def _daemon_image(self, name: str, arch: str, options: ExecOptions) -> str | None:
        present = self._engine.inspect_image(name) is not None
        if options.pull is PullPolicy.ALWAYS or (options.pull is PullPolicy.MISSING
                                                 and not present):
            try:
                self._engine.pull(name, engine_platform(arch), self._progress)
            except ImageUnavailable:
                if not present:
                    raise
            return name
        return name if present else None

    def _load(self, path: Path, image: ArchiveImage, name: str) -> None:
        loaded = _Loaded(image.image_id, self._engine.inspect_image(image.image_id) is not None)
        for tag in image.repo_tags:
            before = self._engine.inspect_image(tag)
            loaded.previous_tags[tag] = str(before["Id"]) if before else None
        self._loaded.append(loaded)
        with path.open("rb") as stream:  # the bytes sent are the load's progress
            size = path.stat().st_size
            sent = CountingReader(stream, self._progress, name, size)
            self._engine.load(cast(IO[bytes], sent))
        if self._engine.inspect_image(image.image_id) is None:
            raise ContainerError(f"docker load of {path} did not give image {image.image_id}")

    def _undo(self, loaded: _Loaded) -> None:
        for tag, previous in loaded.previous_tags.items():
            if previous == loaded.image_id:
                continue
            if previous is None:
                self._engine.remove_image(tag)  # only the tag: the image may be in use
            else:
                self._engine.tag(previous, tag)
        if not loaded.was_present:
            self._engine.remove_image(loaded.image_id, force=True)

    def _look_inside(self, reference: str) -> tuple[bool, list[str]]:
        """Whether the image has the RIE, and its extensions (a container is created to read
        its files, never started)."""
        labels = {SESSION_LABEL: uuid.uuid4().hex, MANAGED_LABEL: "1", OWNER_LABEL: owner()}
        container = self._engine.create_unstarted(reference, labels)
        try:
            stat = self._engine.path_stat(container, RIE_BINARY)
            extensions = self._engine.directory_names(container, EXTENSIONS_DIR) or []
        finally:
            self._engine.remove(container)
        return stat is not None and int(stat.get("mode", 0)) & 0o111 != 0, extensions
