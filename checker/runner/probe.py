"""Probe an image's loader path without running anything in it, and describe it as a runtime
file (`lambdacheck runtimes probe IMAGE --name NAME`).

A container is created but never started; the engine streams directories of its filesystem
as tar. Each shared library on the loader path (LD_LIBRARY_PATH, ld.so.conf, the default
directories) is read with checker.elf: its soname and the exact version nodes it defines. The
glibc version comes from libc's own banner, else from its highest GLIBC_ node.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import uuid
from collections.abc import Iterable
from dataclasses import field
from datetime import date

from checker.catalog.from_image import highest_glibc_node
from checker.elf import ElfError, read_elf
from checker.engine import ConnectEngine, Engine
from checker.errors import ImageUnavailable
from checker.lambda_env import GENERIC_LIBRARY_DIRS, RUNTIME_DIR, SYSTEM_LIBRARY_DIRS, Arch
from checker.progress import silent
from checker.records import mutable_record, record
from checker.runner.connection import connect as connect_docker
from checker.runner.image_glibc import glibc_banner_version
from checker.runner.session import MANAGED_LABEL, OWNER_LABEL, SESSION_LABEL, owner
from checker.streams import ChunkFile

EXECUTABLE_DIRS = ("/bin", "/usr/bin", "/usr/local/bin", "/var/lang/bin")
MAX_LIBRARY_BYTES = 1 << 28
_GCC_COMMENT = re.compile(rb"GCC: \([^)]*\) (\d+\.\d+\.\d+)")
_PYTHON = re.compile(r"/python(3\.\d+)$")
_FAMILY_BINARIES = (("python", "/var/lang/bin/python3"), ("nodejs", "/var/lang/bin/node"),
                    ("ruby", "/var/lang/bin/ruby"), ("java", "/var/lang/bin/java"),
                    ("dotnet", "/var/lang/bin/dotnet"))


@record
class ProbedLibrary:
    """A shared library found on the probed image's loader path: its soname, directory and the
    version nodes it defines."""

    soname: str
    directory: str
    versions: tuple[str, ...]  # version nodes its DT_VERDEF defines, the base node excluded


@record
class ImageProbe:
    """What a probe read from an image without running it: its runtime family and versions, its
    loader path and the libraries and executables on it."""

    image: str
    image_id: str
    arch: str
    family: str
    language_version: str | None
    glibc: str | None
    libstdcxx: str | None
    ld_library_path: tuple[str, ...]
    library_dirs: tuple[str, ...]  # searched, in the loader's order, those that exist
    libraries: tuple[ProbedLibrary, ...]
    executables: tuple[str, ...]


@mutable_record
class _Library:
    """One library the probe read, keyed by soname: the versions it defines, and the glibc and
    GCC versions it shows."""

    soname: str
    versions: tuple[str, ...]
    glibc: str | None = None
    gcc: str | None = None


@mutable_record
class _Listing:
    """The direct children of one directory: name → (kind, mode, link target), and the
    libraries read from its regular files (file name → facts)."""

    entries: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    libraries: dict[str, _Library] = field(default_factory=dict)

    def key(self) -> tuple[tuple[str, str, int, str], ...]:
        return tuple(sorted((name, *facts) for name, facts in self.entries.items()))


def probe_image(image: str, *, arch: str | None = None, pull: bool = True,
                connect: ConnectEngine = connect_docker) -> ImageProbe:
    engine = connect()
    try:
        return _probe(engine, image, arch, pull)
    finally:
        engine.close()


def _probe(engine: Engine, image: str, arch: str | None, pull: bool) -> ImageProbe:
    image_arch = engine.image_arch(image)
    if image_arch is None and pull:
        engine.pull(image, None if arch is None else _platform(arch), silent())
        image_arch = engine.image_arch(image)
    if image_arch is None:
        raise ImageUnavailable(f"image {image} is not present", f"docker pull {image}")
    if arch is not None and image_arch != arch:
        raise ImageUnavailable(f"image {image} is for {image_arch}, not {arch}")
    env = engine.image_env(image)
    labels = {SESSION_LABEL: uuid.uuid4().hex, MANAGED_LABEL: "1", OWNER_LABEL: owner()}
    container_id = engine.create_unstarted(image, labels)
    try:
        return _Reader(engine, container_id).probe(image, image_arch, env)
    finally:
        engine.remove(container_id)


def _platform(arch: str) -> str:
    return (Arch.ARM64 if arch == Arch.ARM64 else Arch.X86_64).platform


class _Reader:
    def __init__(self, engine: Engine, container_id: str) -> None:
        self._engine = engine
        self._container = container_id
        self._seen: dict[tuple[tuple[str, str, int, str], ...], _Listing] = {}

    def probe(self, image: str, arch: str, env: dict[str, str]) -> ImageProbe:
        ld_library_path = tuple(p for p in env.get("LD_LIBRARY_PATH", "").split(":") if p)
        search = list(dict.fromkeys([*ld_library_path, *self._ld_so_conf(), *_defaults(arch)]))
        listings = {path: listing for path in search
                    if (listing := self.listing(path, libraries=True)) is not None}
        libraries, facts = _resolve(listings)
        executables = self._executables()
        family = self._family(executables)
        libc, libstdcxx = facts.get("libc.so.6"), facts.get("libstdc++.so.6")
        return ImageProbe(
            image=image, image_id=self._engine.image_id(image), arch=arch, family=family,
            language_version=_language_version(family, executables),
            glibc=_glibc_version(libc), libstdcxx=libstdcxx.gcc if libstdcxx else None,
            ld_library_path=ld_library_path, library_dirs=tuple(listings),
            libraries=libraries, executables=executables,
        )

    def listing(self, path: str, *, libraries: bool) -> _Listing | None:
        stream = self._engine.archive(self._container, path.rstrip("/") + "/.")
        if stream is None:
            return None
        listing = _Listing()
        with tarfile.open(fileobj=ChunkFile(stream), mode="r|") as tar:
            for member in tar:
                name = member.name.removeprefix("./")
                if not name or name == "." or "/" in name:
                    continue
                kind = "link" if member.issym() or member.islnk() else (
                    "dir" if member.isdir() else "file")
                listing.entries[name] = (kind, member.mode, member.linkname)
                if libraries and member.isfile() and ".so" in name:
                    library = _read_library(tar, member)
                    if library is not None:
                        listing.libraries[name] = library
        return self._seen.setdefault(listing.key(), listing)

    def _ld_so_conf(self) -> list[str]:
        listing = self.listing("/etc/ld.so.conf.d", libraries=False)
        names = sorted(n for n in (listing.entries if listing else {}) if n.endswith(".conf"))
        found: list[str] = []
        for name in names:
            found += _conf_dirs(self._text(f"/etc/ld.so.conf.d/{name}"))
        return found

    def _text(self, path: str) -> str:
        stream = self._engine.archive(self._container, path)
        if stream is None:
            return ""
        with tarfile.open(fileobj=ChunkFile(stream), mode="r|") as tar:
            for member in tar:
                handle = tar.extractfile(member)
                if handle is not None:
                    return handle.read(1 << 16).decode("utf-8", "replace")
        return ""

    def _executables(self) -> tuple[str, ...]:
        found = []
        for directory in EXECUTABLE_DIRS:
            listing = self.listing(directory, libraries=False)
            for name, (kind, mode, _) in (listing.entries if listing else {}).items():
                if kind == "link" or (kind == "file" and mode & 0o111):
                    found.append(f"{directory}/{name}")
        return tuple(sorted(found))

    def _family(self, executables: tuple[str, ...]) -> str:
        runtime = self.listing(RUNTIME_DIR, libraries=False)
        if runtime is None or "bootstrap" not in runtime.entries:
            return "provided"
        for family, binary in _FAMILY_BINARIES:
            if binary in executables:
                return family
        return "python" if "awslambdaric" in runtime.entries else "provided"


def _defaults(arch: str) -> tuple[str, ...]:
    return (*SYSTEM_LIBRARY_DIRS, *Arch.multiarch_dirs_of(arch), *GENERIC_LIBRARY_DIRS)


def _conf_dirs(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line.startswith("/")]


def _read_library(tar: tarfile.TarFile, member: tarfile.TarInfo) -> _Library | None:
    handle = tar.extractfile(member)
    if handle is None or member.size > MAX_LIBRARY_BYTES:
        return None
    data = handle.read()
    try:
        facts = read_elf(io.BytesIO(data))
    except (ElfError, OSError):
        return None
    if facts.elf_type != "ET_DYN":
        return None
    soname = facts.soname or member.name.rsplit("/", 1)[-1]
    library = _Library(soname, tuple(v for v in facts.version_defs if v != soname))
    if soname == "libc.so.6":
        library.glibc = glibc_banner_version(data)
    if soname.startswith("libstdc++.so"):
        versions = [m.decode() for m in _GCC_COMMENT.findall(data)]
        library.gcc = max(versions, key=_numeric_key, default=None)
    return library


def _resolve(listings: dict[str, _Listing],
             ) -> tuple[tuple[ProbedLibrary, ...], dict[str, _Library]]:
    """Each soname the loader finds by name, from the first directory that has it."""
    by_soname: dict[str, _Library] = {}
    for listing in listings.values():
        for library in listing.libraries.values():
            by_soname.setdefault(library.soname, library)
    found: dict[str, ProbedLibrary] = {}
    for directory, listing in listings.items():
        for name in listing.entries:
            facts = by_soname.get(name)
            if facts is not None and name not in found:
                found[name] = ProbedLibrary(name, directory, tuple(sorted(facts.versions)))
    return tuple(sorted(found.values(), key=lambda lib: lib.soname)), by_soname


def _glibc_version(libc: _Library | None) -> str | None:
    if libc is None:
        return None
    if libc.glibc:
        return libc.glibc
    return ".".join(map(str, highest_glibc_node(libc.versions))) or None


def _language_version(family: str, executables: Iterable[str]) -> str | None:
    if family != "python":
        return None
    versions = [m.group(1).removeprefix("3.") for e in executables if (m := _PYTHON.search(e))]
    return f"3.{max(versions, key=int)}" if versions else None


def _numeric_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def runtime_toml(probe: ImageProbe, name: str, *, retrieved: date | None = None) -> str:
    """The probe as a runtime file (runtimes/README.md): one source, one OS, one runtime; one
    library group per soname with its exact version set."""
    os_id = f"probe-{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}"
    source = os_id
    lines = [
        f"# Written by `lambdacheck runtimes probe {probe.image} --name {name}`.",
        f"[sources.{source}]",
        f"title = {_q(f'lambdacheck probe of {probe.image} ({probe.image_id[:19]})')}",
        f"retrieved = {_q((retrieved or date.today()).isoformat())}",
        "",
        f"[os.{os_id}]",
        f"name = {_q(f'{probe.image} (probed)')}",
        f"sources = [{_q(source)}]",
        "inventory_complete = true",
        f"ld_library_path = {_list(probe.ld_library_path)}",
        f"executables = {_list(probe.executables)}",
        "",
    ]
    if probe.glibc is not None:
        lines += [f"[os.{os_id}.glibc]", f"value = {_q(probe.glibc)}", f"sources = [{_q(source)}]",
                  'confidence = "confirmed"', ""]
    if probe.libstdcxx is not None:
        lines += [f"[os.{os_id}.libstdcxx]", f"value = {_q(probe.libstdcxx)}",
                  f"sources = [{_q(source)}]", 'confidence = "confirmed"', ""]
    for library in probe.libraries:
        lines += [f"[[os.{os_id}.libraries]]", f"sonames = [{_q(library.soname)}]",
                  f"arches = [{_q(probe.arch)}]", f"path = {_q(library.directory)}",
                  'confidence = "confirmed"', f"sources = [{_q(source)}]",
                  f"versions = {_list(library.versions)}", ""]
    lines += [f"[runtime.{_q(name)}]", f"os = {_q(os_id)}", f"family = {_q(probe.family)}"]
    if probe.language_version is not None:
        lines.append(f"language_version = {_q(probe.language_version)}")
    lines += [f"arches = [{_q(probe.arch)}]", f"image = {_q(probe.image)}",
              f"sources = [{_q(source)}]", ""]
    return "\n".join(lines)


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def _list(items: Iterable[str]) -> str:
    values = [_q(item) for item in items]
    if len(values) <= 4:
        return "[" + ", ".join(values) + "]"
    rows = [", ".join(values[i:i + 4]) for i in range(0, len(values), 4)]
    return "[\n    " + ",\n    ".join(rows) + ",\n]"


def probe_to_toml(image: str, *, name: str, arch: str | None = None) -> str:
    """`lambdacheck runtimes probe`: probe `image` and describe it as runtime `name`."""
    return runtime_toml(probe_image(image, arch=arch), name)
