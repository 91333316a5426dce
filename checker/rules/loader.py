"""Where glibc's dynamic loader would find a DT_NEEDED soname on the target runtime.

Search order (ld.so(8)): DT_RPATH (only when there is no DT_RUNPATH), LD_LIBRARY_PATH,
DT_RUNPATH, then the system directories. `$ORIGIN` expands to the directory of the object.
On Lambda LD_LIBRARY_PATH lists the system directories (/lib64, /usr/lib64, /var/lang/lib)
*before* /var/task/lib and /opt/lib, so a bundled copy of a system library is shadowed by the
system's own unless an RPATH points at it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from checker.facts import ElfFacts
from checker.rules.base import Located
from checker.rules.view import FileView
from checker.runtime import AbsentLibrary, Platform, SystemLibrary

DEFAULT_DIRS = ("/lib64", "/usr/lib64")


@dataclass(frozen=True)
class Resolution:
    """Exactly one of bundled / system is set when found; neither when missing."""

    soname: str
    bundled: Located | None = None
    system: SystemLibrary | None = None
    absent: AbsentLibrary | None = None  # known not to be on the runtime
    searched: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.bundled is not None or self.system is not None


def search_dirs(elf: ElfFacts, elf_abs_path: str, platform: Platform) -> tuple[str, ...]:
    origin = posixpath.dirname(elf_abs_path)
    dirs: list[str] = []
    if elf.rpath and not elf.runpath:
        dirs += [_expand(d, origin) for d in elf.rpath]
    dirs += list(platform.ld_library_path)
    dirs += [_expand(d, origin) for d in elf.runpath]
    dirs += [d for d in DEFAULT_DIRS if d not in dirs]
    return tuple(d for d in dirs if d)


def _expand(entry: str, origin: str) -> str:
    expanded = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
    expanded = expanded.replace("${LIB}", "lib64").replace("$LIB", "lib64")
    if not expanded.startswith("/"):
        expanded = posixpath.join("/var/task", expanded)  # relative to the working directory
    return posixpath.normpath(expanded)


def resolve(soname: str, elf: ElfFacts, elf_abs_path: str, platform: Platform,
            view: FileView) -> Resolution:
    dirs = search_dirs(elf, elf_abs_path, platform)
    if "/" in soname:
        path = soname if soname.startswith("/") else posixpath.join("/var/task", soname)
        return Resolution(soname, bundled=view.resolve(path), searched=(path,))
    system = platform.library(soname)
    for directory in dirs:
        if view.covers(directory):
            bundled = view.resolve(posixpath.join(directory, soname))
            if bundled is not None:
                return Resolution(soname, bundled=bundled, searched=dirs)
        elif system is not None and _same_dir(system.path, directory):
            return Resolution(soname, system=system, searched=dirs)
    if system is not None:  # the loader's cache and defaults still find system libraries
        return Resolution(soname, system=system, searched=dirs)
    return Resolution(soname, absent=platform.absent.get(soname), searched=dirs)


def _same_dir(library_dir: str | None, directory: str) -> bool:
    """Unknown locations match any system directory; /lib64 is /usr/lib64 on Amazon Linux."""
    if library_dir is None:
        return True
    aliases = {"/lib64": "/usr/lib64", "/lib": "/usr/lib"}
    return aliases.get(library_dir, library_dir) == aliases.get(directory, directory)
