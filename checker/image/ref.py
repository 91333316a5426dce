"""The one image reference: `TRANSPORT:LOCATION[:REF|@N]`, split here once, read everywhere
(the static reader, the runner, the target resolution). The names are skopeo's and podman's:

    docker-daemon:NAME[:TAG|@DIGEST]    an image in the local engine
    docker-archive:PATH[:NAME:TAG|:@N]  a `docker save` tarball, and which image of it
    oci-archive:PATH[:REF|:@N]          an OCI image layout tarball (REF: its ref.name)

A path may hold colons: the archive's path is the longest prefix, ending at a colon, that is
an existing file; when none is, it ends at the first colon (skopeo's rule), and reading it
says that it does not exist. A new transport is one more entry in TRANSPORTS, and a branch
where the image is read (checker/image/reader.py) and loaded (checker/runner/images.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from checker.errors import UsageError
from checker.patterns import lazy_pattern
from checker.records import record

DAEMON = "docker-daemon"
DOCKER_ARCHIVE = "docker-archive"
OCI_ARCHIVE = "oci-archive"
TRANSPORTS = (DAEMON, DOCKER_ARCHIVE, OCI_ARCHIVE)
_INDEX = lazy_pattern(r"@(\d+)")
_FORMS = {DAEMON: "docker-daemon:NAME[:TAG]", DOCKER_ARCHIVE: "docker-archive:PATH[:NAME:TAG|:@N]",
          OCI_ARCHIVE: "oci-archive:PATH[:REF|:@N]"}


@record
class ImageRef:
    """A container image a function runs from.

    location: docker-daemon: the engine's image name (NAME[:TAG]); an archive: its file path
    ref:   an archive's image named NAME:TAG (docker-archive) or by ref.name (oci-archive)
    index: an archive's image by position (@N, from 0, in the order the archive lists them)
    At most one of ref and index; neither: the archive's only image (or the one for the
    target's architecture, in an OCI index).
    """

    transport: str
    location: str
    ref: str | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if self.ref is not None and self.index is not None:
            raise ValueError("an ImageRef names an image by ref or by index, not both")

    @property
    def is_archive(self) -> bool:
        return self.transport != DAEMON

    @property
    def path(self) -> Path:
        """An archive's file (for docker-daemon: the name as a path, which is never read)."""
        return Path(self.location)

    @property
    def selector(self) -> str | None:
        """What follows the archive's path, as written: "NAME:TAG", "@N" or None."""
        return f"@{self.index}" if self.index is not None else self.ref

    def __str__(self) -> str:
        selector = self.selector
        return f"{self.transport}:{self.location}" + (f":{selector}" if selector else "")

    @classmethod
    def parse(cls, text: str) -> ImageRef | None:
        """The ImageRef `text` names, or None when it names no image transport (a path).
        UsageError (one line, exit 2) for a transport with a malformed rest."""
        transport, sep, rest = text.partition(":")
        if not sep or transport not in TRANSPORTS:
            return None
        if not rest:
            raise UsageError(f"{text}: no image named after the transport",
                             f"write {_FORMS[transport]}")
        if transport == DAEMON:
            return cls(transport, rest)
        location, selector = _split_path(rest)
        if not location:
            raise UsageError(f"{text}: no archive path", f"write {_FORMS[transport]}")
        if selector is None:
            return cls(transport, location)
        index = _INDEX().fullmatch(selector)
        if index is not None:
            return cls(transport, location, index=int(index.group(1)))
        if selector.startswith("@"):
            raise UsageError(f"{text}: {selector} is not an image position",
                             f"write @N with N a number from 0 ({_FORMS[transport]})")
        if selector.endswith(":") or selector.startswith(":"):
            raise UsageError(f"{text}: {selector} is not an image name",
                             f"write {_FORMS[transport]}")
        return cls(transport, location, ref=selector)


def _split_path(rest: str) -> tuple[str, str | None]:
    """PATH and what follows its colon: the longest prefix that is an existing file, else up
    to the first colon."""
    cut = len(rest)
    while cut > 0:
        if os.path.isfile(rest[:cut]):  # noqa: PTH113  (False, not OSError, on any error)
            return rest[:cut], rest[cut + 1:] or None
        cut = rest.rfind(":", 0, cut)
    location, _, selector = rest.partition(":")
    return location, selector or None
