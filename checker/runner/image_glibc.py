"""Which glibc an emulator image carries, read from its libc without running anything: a
container is created (never started) and libc.so.6 is read through the engine's archive API;
glibc's own banner ("... release version 2.31.") names the version."""

from __future__ import annotations

import contextlib
import re
import uuid

from checker.engine import Engine
from checker.runner.errors import ContainerError
from checker.runner.session import MANAGED_LABEL, OWNER_LABEL, SESSION_LABEL, owner

# Where a glibc-based image keeps libc.so.6: Amazon Linux first, then Debian's multiarch path.
LIBC_PATHS = {
    "x86_64": ("/lib64/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib64/libc.so.6",
               "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    "arm64": ("/lib64/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib64/libc.so.6",
              "/usr/lib/aarch64-linux-gnu/libc.so.6"),
}
MAX_LIBC_BYTES = 16 << 20
_BANNER = re.compile(rb"release version (\d+\.\d+(?:\.\d+)?)")


def glibc_banner_version(data: bytes) -> str | None:
    """The version in glibc's banner string, None when `data` holds none."""
    found = _BANNER.search(data)
    return found.group(1).decode() if found else None


def image_glibc(engine: Engine, image: str, arch: str) -> str | None:
    """The glibc version of `image` (present in the engine); None when it has no glibc libc
    where the loader looks, or the engine would not say."""
    labels = {SESSION_LABEL: uuid.uuid4().hex, MANAGED_LABEL: "1", OWNER_LABEL: owner()}
    try:
        container = engine.create_unstarted(image, labels)
    except ContainerError:
        return None
    try:
        for path in LIBC_PATHS.get(arch, ()):
            data = engine.read_file(container, path, MAX_LIBC_BYTES)
            if data is not None:
                return glibc_banner_version(data)
    except ContainerError:
        return None
    finally:
        with contextlib.suppress(ContainerError):
            engine.remove(container)
    return None
