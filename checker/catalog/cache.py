"""The catalog's load cache: the built catalog stored once, read back a piece at a time.

Parsing and checking ~60 TOML files costs ~100 ms, unpickling all of their result ~10 ms; a
`check` of one function on one runtime needs one platform of one runtime of the ~50. An entry
therefore holds an index (what it was built from, the runtime names, their architectures, the
limits) and, each pickled on its own: the heads (every runtime without its platforms, ~20 KB),
each platform of each runtime (its OS inventory with the runtime's own libraries, ~30 KB), the
sources, and the whole catalog in one piece. A load reads and checks the index and hands out a
Catalog whose runtimes (`RuntimeIndex`), their platforms and the sources are read from the
entry when first asked for: a check pays for the index, the heads and its one platform;
listing, comparing or iterating all runtimes reads the whole catalog at once, as before.

Validity. An entry belongs to one key: the sha256 of lambdacheck's version, the Python version,
the day (notes word blocked dates against it), the source of the modules that build the catalog
and the label, origin and sha256 of the text of every catalog file (the shipped ones and each
--runtime-file); the key is the entry's second line. Hashing every file's text on each command
means reading them all, so the entry also keeps each file's stat signature (size, mtime_ns,
ctime_ns, inode, device) next to its digest, as Python's .pyc check and git's index do: a file
whose signature is unchanged has the text it had, and its recorded digest stands for it. That
is trusted only where it can be: a file without a signature (not a regular file, inode 0 as on
some FUSE and network file systems, a shipped catalog read from a zip) is read and hashed, and
so is a "racy" one, whose mtime or ctime lies within two seconds of the entry's own mtime (a
same-size edit within one clock tick of the stamp leaves the stat unchanged: git's racy-clean
rule); once every such file has aged past that window, a hit moves the entry's mtime forward so
the next load trusts their stat again. A file whose signature changed means a rebuild, even if
its text did not (touched, copied: rebuilt once, its new signature is proof again). ctime is
in the signature because nothing but the kernel sets it: a `touch -d` back to the old mtime
still shows. So a warm load stats ~70 files instead of reading and hashing ~1 MB; a stale
signature only ever costs a read or a rebuild, never a wrong hit. Such a load hashes nothing:
the key's other parts (version, Python, day) are kept in the index and compared as they are,
and the entry's file name is a checksum of the files' labels.

The cache lives in $LAMBDACHECK_CACHE_DIR if set, else $XDG_CACHE_HOME/lambdacheck (default
~/.cache/lambdacheck), one file per set of catalog files, written atomically (a temporary file,
then a rename). Anything wrong with it (stale, truncated, corrupted, writable by others, a
directory that cannot be written, an entry that changes under a loaded catalog) only means no
cache: the catalog is built from the files as if there were none. LAMBDACHECK_NO_CACHE=1 turns
it off.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import stat
import struct
import sys
import time
import zlib
from collections.abc import Callable, ItemsView, Iterator, Mapping, Sequence, ValuesView
from datetime import date
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import checker
from checker.catalog.model import Catalog, Limit, Platform, Runtime, Source

NO_CACHE_ENV = "LAMBDACHECK_NO_CACHE"
CACHE_DIR_ENV = "LAMBDACHECK_CACHE_DIR"
_MAGIC = b"lambdacheck-catalog-cache 3\n"
_FORMAT = 5  # pickle protocol (Python 3.8+)
_CAP = 64 * 1024 * 1024  # a cache file larger than this is not ours
_HEAD_CAP = 4 * 1024 * 1024  # nor an index larger than this
_LENGTH = struct.Struct(">Q")
_BULK_AFTER = 4  # platforms read one by one before the whole catalog is read instead
_RACY_NS = 2_000_000_000  # a file changed this close to the entry's mtime: its stat is no proof
# the modules whose code decides what a built catalog looks like (besides the files)
_CODE = (*(f"catalog/{name}.py" for name in ("model", "build", "schema", "merge", "cache")),
         "schema.py", "lambda_env.py", "records.py")  # records: how the model's objects are made

Signature = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device


class Document:
    """One catalog file: its label in messages, its origin (merge.SHIPPED or the --runtime-file
    path), how to read its text (raising the one-line error), and the file itself when it is
    one on disk whose stat can stand for its text. (Plain classes here, not dataclasses: this
    module is imported by every command, and a dataclass costs ~0.5 ms to create.)"""

    __slots__ = ("label", "origin", "path", "read")

    def __init__(self, label: str, origin: str, read: Callable[[], str],
                 path: str | Path | None = None) -> None:
        self.label, self.origin, self.read, self.path = label, origin, read, path


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


def slot_name(labels: Sequence[str]) -> str:
    """The file one set of catalog files (the same command line) of this installation keeps
    its entry in. Two sets sharing a name only take turns in it (the index names its files):
    a checksum will do, and hashlib's import (OpenSSL's start, ~3 ms) is left to loads that
    hash a file. Two installations (a venv and pre-commit's, say) have a slot each: their code
    differs, and taking turns, each would rebuild the catalog on every call."""
    data = "\0".join((str(Path(checker.__file__).parent), *labels)).encode(
        "utf-8", "surrogateescape")
    return f"catalog-{zlib.crc32(data):08x}{zlib.adler32(data):08x}.pickle"


def signature(path: str | Path) -> Signature | None:
    """The stat signature of a regular file, or None when there is none to trust."""
    try:
        info = os.stat(path)  # noqa: PTH116 - str paths: pathlib costs ~10 µs a call
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_ino == 0:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


def _digest(text: str) -> str:
    import hashlib  # only for a file whose stat is no proof, and on a miss

    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


# ---- the stamp: what an entry was built from -------------------------------------------------

class _Stamped:
    """One file as it was when the entry was built: label, origin, signature, digest."""

    __slots__ = ("digest", "label", "origin", "signature")

    def __init__(self, label: str, origin: str, signature: Signature | None,
                 digest: str) -> None:
        self.label, self.origin, self.signature, self.digest = label, origin, signature, digest


_Stamp = tuple[tuple[_Stamped, ...], tuple[_Stamped, ...]]  # the code's files, the catalog's


def _code_files() -> list[str]:
    package = str(Path(checker.__file__).parent)
    return [f"{package}/{name}" for name in _CODE]


def _read_code(path: str) -> str:
    with open(path, "rb") as handle:  # noqa: PTH123 - str paths, see signature()
        return handle.read().decode("utf-8", "surrogateescape")


def _code_stamp() -> tuple[_Stamped, ...] | None:
    """The catalog code as it is now (read: it is small); None when it cannot be read."""
    stamped = []
    for name, path in zip(_CODE, _code_files(), strict=True):
        before = signature(path)
        try:
            text = _read_code(path)
        except OSError:
            return None
        stamped.append(_Stamped(name, "code", before, _digest(text)))
    return tuple(stamped)


def _context(day: date) -> str:
    """What an entry depends on besides the files: lambdacheck, the Python, the day."""
    return f"{checker.__version__}\0{sys.version}\0{day.isoformat()}"


def _key(day: date, code: Sequence[_Stamped], documents: Sequence[_Stamped]) -> str:
    import hashlib

    digest = hashlib.sha256()
    digest.update(f"{_context(day)}\0".encode())
    for item in (*code, *documents):
        digest.update(f"{item.label}\0{item.origin}\0{item.digest}\0".encode(
            "utf-8", "surrogateescape"))
    return digest.hexdigest()


# ---- the public entry points -------------------------------------------------------------

def load(documents: Sequence[Document], day: date,
         build: Callable[[Sequence[tuple[str, str, str]], date], Catalog]) -> Catalog:
    """The catalog `documents` define: from the cache when an entry of the same files is
    there, else `build` (label, text, origin) -> Catalog, stored for the next load."""
    where = cache_dir()
    if where is None:
        return build([(d.label, d.read(), d.origin) for d in documents], day)
    slot = slot_name([d.label for d in documents])
    cached = _read_entry(where, slot, documents, day, build)
    if cached is not None:
        return cached
    stamped, texts = [], []
    for document in documents:
        before = signature(document.path) if document.path is not None else None
        text = document.read()  # stat first: a change after it shows as a changed signature
        texts.append((document.label, text, document.origin))
        stamped.append(_Stamped(document.label, document.origin, before, _digest(text)))
    catalog = build(texts, day)
    code = _code_stamp()
    if code is not None:
        _write(where, slot, _key(day, code, stamped), catalog, (code, tuple(stamped)),
               _context(day))
    return catalog


def write_cached(directory: Path, slot: str, key: str, catalog: Catalog) -> None:
    """Store `catalog` under `key` with no file signatures (a load then checks the key against
    the files' texts); on any failure there is simply no cache."""
    _write(directory, slot, key, catalog, None)


# ---- reading -----------------------------------------------------------------------------



class _Index:
    """The head of an entry: what it was built from, and where its pickles are (offset, length
    from the end of the index): the whole catalog, the sources, every runtime without its
    platforms (the heads, a few hundred bytes each), and each platform of each runtime."""

    __slots__ = ("arches", "context", "heads", "limits", "names", "size", "sources", "stamp",
                 "whole")

    def __init__(self, stamp: _Stamp | None, context: str, names: tuple[str, ...],
                 arches: tuple[str, ...], limits: Mapping[str, Limit],
                 spans: tuple[_Span, _Span, _Span], size: int) -> None:
        self.stamp = stamp
        self.context = context  # _context() of the day it was built
        self.names = names  # the runtimes, in the catalog's order
        self.arches = arches  # every architecture some runtime has
        self.limits = limits
        self.whole, self.sources, self.heads = spans
        self.size = size  # of the pickles after the index


_Span = tuple[int, int]
# the heads: name -> (the runtime with no platforms, arch -> the span of its platform)
_Heads = dict[str, tuple[Runtime, dict[str, _Span]]]


def _open_trusted(path: Path) -> tuple[int, os.stat_result] | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not _trusted(info) or info.st_size > _CAP:
        os.close(fd)
        return None
    return fd, info


def _pread(fd: int, length: int, offset: int) -> bytes | None:
    try:
        os.lseek(fd, offset, os.SEEK_SET)  # not os.pread: that is POSIX only
        data = os.read(fd, length)
    except OSError:
        return None
    return data if len(data) == length else None


def _read_entry(where: Path, slot: str, documents: Sequence[Document], day: date,
                build: Callable[[Sequence[tuple[str, str, str]], date], Catalog]
                ) -> Catalog | None:
    path = where / slot
    opened = _open_trusted(path)
    if opened is None:
        return None
    fd, info = opened
    try:
        found = _read_index(fd, info)
        if found is None:
            return None
        key, base, index = found
        fresh = _verify(key, index, documents, day, info.st_mtime_ns)
        if fresh is None:
            return None
        if fresh:  # every file's stat is proof again: the next load need not read them
            with contextlib.suppress(OSError, NotImplementedError):
                now = time.time_ns()
                os.utime(fd, ns=(now, now))
                info = os.fstat(fd)
        # not the mtime: another load moving it forward leaves the entry as it was
        identity = (info.st_ino, info.st_dev, info.st_size)
    finally:
        os.close(fd)
    store = _Store(path, identity, base, index, lambda: build(
        [(d.label, d.read(), d.origin) for d in documents], day))
    return Catalog(runtimes=RuntimeIndex(store), sources=_LazySources(store),
                   limits=index.limits)


def _read_index(fd: int, info: os.stat_result) -> tuple[str, int, _Index] | None:
    head = _pread(fd, min(info.st_size, len(_MAGIC) + 65 + _LENGTH.size), 0)
    if head is None or not head.startswith(_MAGIC) or len(head) < len(_MAGIC) + 65 + 8:
        return None
    key_end = len(_MAGIC) + 64
    if head[key_end:key_end + 1] != b"\n":
        return None
    key = head[len(_MAGIC):key_end].decode("ascii", "replace")
    (length,) = _LENGTH.unpack_from(head, key_end + 1)
    start = len(head)
    if length > _HEAD_CAP or start + length > info.st_size:
        return None
    data = _pread(fd, length, start)
    if data is None:
        return None
    try:
        index = pickle.loads(data)  # our own file, checked by _open_trusted
    except Exception:  # noqa: BLE001 - unpickling garbage raises almost anything: rebuild
        return None
    if not isinstance(index, _Index) or start + length + index.size != info.st_size:
        return None  # truncated, or grown: not as written
    return key, start + length, index


def _verify(key: str, index: _Index, documents: Sequence[Document], day: date,
            written_ns: int) -> bool | None:
    """None when the entry is not of these files; else whether a file had to be read that now
    would not (then moving the entry's mtime forward makes the next load trust its stat)."""
    if index.stamp is None:  # written without signatures: the texts decide
        code_now = _code_stamp()
        if code_now is None:
            return None
        stamped = [_Stamped(d.label, d.origin, None, _digest(d.read())) for d in documents]
        return False if _key(day, code_now, stamped) == key else None
    code, recorded = index.stamp
    if len(code) != len(_CODE) or len(recorded) != len(documents) or any(
            r.label != d.label or r.origin != d.origin
            for r, d in zip(recorded, documents, strict=True)):
        return None
    checks: list[tuple[_Stamped, str | Path | None, Callable[[], str]]] = [
        (item, path, partial(_read_code, path))
        for item, path in zip(code, _code_files(), strict=True)]
    checks += [(item, d.path, d.read) for item, d in zip(recorded, documents, strict=True)]
    now = time.time_ns()
    read_any = racy_now = False
    for item, path, read in checks:
        sig = signature(path) if path is not None else None
        if sig is not None and sig != item.signature:
            return None  # changed (or touched, copied: rebuilt once, its stat is proof again)
        if sig is not None and max(sig[1], sig[2]) < written_ns - _RACY_NS:
            continue  # unchanged since well before the entry was written: its digest holds
        try:
            text = read()  # no signature, or racy: the text decides
        except OSError:
            return None
        if _digest(text) != item.digest:
            return None
        read_any = True
        racy_now = racy_now or sig is None or max(sig[1], sig[2]) >= now - _RACY_NS
    if index.context != _context(day):  # the key's other parts: no hash needed to compare
        return None
    return read_any and not racy_now


def _trusted(info: os.stat_result) -> bool:
    """A regular file of this user that nobody else can write (a pickle runs code)."""
    getuid = getattr(os, "getuid", None)
    owned = getuid is None or info.st_uid == getuid()
    return stat.S_ISREG(info.st_mode) and owned and not info.st_mode & (stat.S_IWGRP
                                                                         | stat.S_IWOTH)


class _Store:
    """The pickles of one entry, read when first asked for. Should the entry change under a
    loaded catalog (replaced, damaged), the catalog is built from the files instead."""

    def __init__(self, path: Path, identity: tuple[int, int, int], base: int,
                 index: _Index, rebuild: Callable[[], Catalog]) -> None:
        self.path, self.identity, self.base, self.index = path, identity, base, index
        self._rebuild = rebuild
        self._whole: Catalog | None = None
        self._heads: _Heads | None = None
        self._singles = 0  # platforms read one by one

    def part(self, span: _Span, kind: type) -> Any:
        """The pickle at `span` if it is a `kind`; else None, and whole() is a fresh build."""
        if self._whole is None:
            value = self._read(span)
            if isinstance(value, kind):
                return value
            self._whole = self._rebuild()
        return None

    def whole(self) -> Catalog:
        if self._whole is None:
            value = self._read(self.index.whole)
            self._whole = value if isinstance(value, Catalog) else self._rebuild()
        return self._whole

    def platform(self, name: str, arch: str, span: _Span) -> Platform:
        """One runtime's platform; after a few read one by one (`runtimes` shows each runtime's
        glibc), the rest come from the whole catalog: one read instead of ~100."""
        if self._singles < _BULK_AFTER:
            self._singles += 1
            platform: Platform | None = self.part(span, Platform)
            if platform is not None:
                return platform
        return self.whole().runtimes[name].platforms[arch]

    def heads(self) -> _Heads | None:
        if self._heads is None:
            self._heads = self.part(self.index.heads, dict)
        return self._heads

    def _read(self, span: _Span) -> Any:
        opened = _open_trusted(self.path)
        if opened is None:
            return None
        fd, info = opened
        try:
            if (info.st_ino, info.st_dev, info.st_size) != self.identity:  # replaced, cut
                return None
            data = _pread(fd, span[1], self.base + span[0])
        finally:
            os.close(fd)
        if data is None:
            return None
        try:
            return pickle.loads(data)  # our own file, checked by _open_trusted
        except Exception:  # noqa: BLE001 - unpickling garbage raises almost anything
            return None


class RuntimeIndex(Mapping[str, Runtime]):
    """A cached catalog's runtimes: names and architectures from the index; a runtime, when
    first asked for, from the heads (all ~50 runtimes without their platforms, ~0.3 ms), its
    platforms each when first asked for; values(), items() and comparisons read the whole
    catalog in one piece."""

    def __init__(self, store: _Store) -> None:
        self._store = store
        self._names = frozenset(store.index.names)
        self._loaded: dict[str, Runtime] = {}

    @property
    def arches(self) -> tuple[str, ...]:
        return self._store.index.arches

    def __getitem__(self, name: str) -> Runtime:
        found = self._loaded.get(name)
        if found is not None:
            return found
        if name not in self._names:
            raise KeyError(name)
        heads = self._store.heads()
        head = heads.get(name) if heads is not None else None
        if head is None:
            runtime = self._store.whole().runtimes[name]
        else:
            runtime, spans = head
            # a head is this entry's own object, read for this catalog only: its platforms
            # (empty in the pickle) become the ones read on demand, before anyone sees it
            object.__setattr__(runtime, "platforms", _LazyPlatforms(self._store, name, spans))
        self._loaded[name] = runtime
        return runtime

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._store.index.names)

    def __len__(self) -> int:
        return len(self._names)

    def _all(self) -> dict[str, Runtime]:
        whole = self._store.whole().runtimes
        for name in self._store.index.names:
            self._loaded.setdefault(name, whole[name])
        return {name: self._loaded[name] for name in self._store.index.names}

    def values(self) -> ValuesView[Runtime]:
        return self._all().values()

    def items(self) -> ItemsView[str, Runtime]:
        return self._all().items()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and self._all() == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RuntimeIndex({list(self._store.index.names)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return _proxy, (self._all(),)


class _LazyPlatforms(Mapping[str, Platform]):
    """A cached runtime's platforms: its architectures known, each platform read when first
    asked for (a check of one target reads one)."""

    def __init__(self, store: _Store, name: str, spans: dict[str, _Span]) -> None:
        self._store, self._name, self._spans = store, name, spans
        self._loaded: dict[str, Platform] = {}

    def __getitem__(self, arch: str) -> Platform:
        found = self._loaded.get(arch)
        if found is not None:
            return found
        platform = self._store.platform(self._name, arch, self._spans[arch])  # KeyError: none
        self._loaded[arch] = platform
        return platform

    def __contains__(self, arch: object) -> bool:
        return arch in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{{{', '.join(f'{arch!r}: ...' for arch in self._spans)}}}"

    def __reduce__(self) -> tuple[Any, ...]:
        return _proxy, (dict(self.items()),)


class _LazySources(Mapping[str, Source]):
    """A cached catalog's sources, read (all ~170, small) when first asked for."""

    def __init__(self, store: _Store) -> None:
        self._store = store
        self._sources: Mapping[str, Source] | None = None

    def _get(self) -> Mapping[str, Source]:
        if self._sources is None:
            value = self._store.part(self._store.index.sources, Mapping)
            self._sources = value if value is not None else self._store.whole().sources
        return self._sources

    def __getitem__(self, name: str) -> Source:
        return self._get()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._get()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return _proxy, (dict(self._get()),)


# ---- writing -----------------------------------------------------------------------------

def _proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


class _Pickler(pickle.Pickler):
    """Pickles the model's read-only mappings (MappingProxyType does not pickle by itself)."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is MappingProxyType:
            return _proxy, (dict(obj),)
        return NotImplemented


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=_FORMAT).dump(value)
    return buffer.getvalue()


def _entry(key: str, catalog: Catalog, stamp: _Stamp | None, context: str) -> bytes:
    runtimes = dict(catalog.runtimes.items())
    whole = Catalog(runtimes=MappingProxyType(runtimes),
                    sources=MappingProxyType(dict(catalog.sources.items())),
                    limits=MappingProxyType(dict(catalog.limits.items())))
    parts = [_dumps(whole), _dumps(whole.sources)]
    offset = sum(len(part) for part in parts)
    heads: _Heads = {}
    for name, runtime in runtimes.items():
        spans = {}
        for arch, platform in runtime.platforms.items():
            parts.append(_dumps(platform))
            spans[arch] = (offset, len(parts[-1]))
            offset += len(parts[-1])
        head = object.__new__(Runtime)
        head.__dict__.update(runtime.__dict__)  # a copy: the built runtime stays as it is
        object.__setattr__(head, "platforms", MappingProxyType({}))
        heads[name] = (head, spans)
    parts.append(_dumps(heads))
    arches = tuple(dict.fromkeys(a for r in runtimes.values() for a in r.arches))
    head_span = (offset, len(parts[-1]))
    index = _dumps(_Index(stamp=stamp, context=context, names=tuple(runtimes), arches=arches,
                          limits=whole.limits, size=offset + len(parts[-1]),
                          spans=((0, len(parts[0])), (len(parts[0]), len(parts[1])),
                                 head_span)))
    return b"".join([_MAGIC, key.encode("ascii"), b"\n", _LENGTH.pack(len(index)), index,
                     *parts])


def _write(directory: Path, slot: str, key: str, catalog: Catalog,
           stamp: _Stamp | None, context: str = "") -> None:
    """Store `catalog` under `key`, atomically; on any failure there is simply no cache."""
    try:
        payload = _entry(key, catalog, stamp, context)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError):
        return  # something in the model that does not pickle: no cache, never a crash
    temporary = directory / f".{slot}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            temporary.replace(directory / slot)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
    except OSError:
        return
