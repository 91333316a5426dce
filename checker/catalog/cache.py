"""The catalog's load cache: the built Catalog, pickled once, read back while nothing changed.

Parsing and checking ~60 TOML files costs ~100 ms; unpickling their result a fraction of that.
An entry is valid for one key: the sha256 of lambdacheck's version, the Python version, the
source of the modules that build the catalog, the day (notes word blocked dates against it),
and the label, origin and text of every catalog file (the shipped ones and each --runtime-file).
The cache lives in $LAMBDACHECK_CACHE_DIR if set, else $XDG_CACHE_HOME/lambdacheck (default
~/.cache/lambdacheck), one file per set of catalog files, written atomically (a temporary file,
then a rename). Anything wrong with it (stale, truncated, corrupted, writable by others, a
directory that cannot be written) only means no cache: the catalog is built from the files as
if there were none. LAMBDACHECK_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import checker
from checker.catalog.model import Catalog

NO_CACHE_ENV = "LAMBDACHECK_NO_CACHE"
CACHE_DIR_ENV = "LAMBDACHECK_CACHE_DIR"
_MAGIC = b"lambdacheck-catalog-cache 1\n"
_FORMAT = 5  # pickle protocol (Python 3.8+)
_CAP = 64 * 1024 * 1024  # a cache file larger than this is not ours
# the modules whose code decides what a built catalog looks like (besides the files)
_CODE = (*(f"catalog/{name}.py" for name in ("model", "build", "schema", "merge", "cache")),
         "schema.py", "lambda_env.py")


def cache_dir() -> Path | None:
    """Where the cache lives, or None when it is turned off or there is no home to put it in."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get(CACHE_DIR_ENV, "")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not Path(base).is_absolute():  # the XDG spec: a relative value is ignored
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no passwd entry
            return None
    return Path(base) / "lambdacheck"


def catalog_key(parts: Iterable[str]) -> str | None:
    """The sha256 naming one built catalog: the code that builds it and `parts` (the day, and
    each file's label, origin and text). None when the code cannot be read (then no cache)."""
    digest = hashlib.sha256()
    package = Path(checker.__file__).parent
    digest.update(f"{checker.__version__}\0{sys.version}\0".encode())
    try:
        for name in _CODE:
            digest.update((package / name).read_bytes())
            digest.update(b"\0")
    except OSError:
        return None
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


def slot_name(labels: Iterable[str]) -> str:
    """The file one set of catalog files (the same command line) keeps its entry in."""
    return "catalog-" + hashlib.sha256("\0".join(labels).encode("utf-8", "surrogateescape")
                                       ).hexdigest()[:16] + ".pickle"


def read_cached(directory: Path, slot: str, key: str) -> Catalog | None:
    """The catalog stored under `key`, or None: no entry, another key, or anything amiss."""
    try:
        fd = os.open(directory / slot, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            if not _trusted(info) or info.st_size > _CAP:
                return None
            data = handle.read(_CAP + 1)
        except OSError:
            return None
    header = _MAGIC + key.encode("ascii") + b"\n"
    if not data.startswith(header):
        return None
    try:
        catalog = pickle.loads(data[len(header):])  # our own file, checked above
    except Exception:  # noqa: BLE001 - unpickling garbage raises almost anything: rebuild
        return None
    return catalog if isinstance(catalog, Catalog) else None


def write_cached(directory: Path, slot: str, key: str, catalog: Catalog) -> None:
    """Store `catalog` under `key`, atomically; on any failure there is simply no cache."""
    try:
        payload = _dumps(catalog)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return  # something in the model that does not pickle: no cache, never a crash
    temporary = directory / f".{slot}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + key.encode("ascii") + b"\n" + payload)
            temporary.replace(directory / slot)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
    except OSError:
        return


def _trusted(info: os.stat_result) -> bool:
    """A regular file of this user that nobody else can write (a pickle runs code)."""
    getuid = getattr(os, "getuid", None)
    owned = getuid is None or info.st_uid == getuid()
    return stat.S_ISREG(info.st_mode) and owned and not info.st_mode & (stat.S_IWGRP
                                                                         | stat.S_IWOTH)


def _proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


class _Pickler(pickle.Pickler):
    """Pickles the model's read-only mappings (MappingProxyType does not pickle by itself)."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is MappingProxyType:
            return _proxy, (dict(obj),)
        return NotImplemented


def _dumps(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=_FORMAT).dump(catalog)
    return buffer.getvalue()
