"""Where glibc's dynamic loader would find a DT_NEEDED soname on the target runtime.

Search order (ld.so(8)): DT_RPATH (only when there is no DT_RUNPATH), LD_LIBRARY_PATH,
DT_RUNPATH, then the system directories. `$ORIGIN` expands to the directory of the object.
On Lambda LD_LIBRARY_PATH lists the runtime's own /var/lang/lib first, then the system
directories (/lib64, /usr/lib64), *before* /var/task/lib and /opt/lib: a runtime-bundled
library (nodejs24.x's libstdc++.so.6.0.32) shadows the OS's copy (6.0.33), and a copy bundled in
the function is shadowed by both unless an RPATH points at it.
"""

from __future__ import annotations

import posixpath

from checker.catalog.model import AbsentLibrary, Platform, SystemLibrary
from checker.facts import ElfFacts
from checker.lambda_env import SYSTEM_LIBRARY_DIRS, TASK_ROOT
from checker.records import record
from checker.rules.view import FileView, Located

DEFAULT_DIRS = SYSTEM_LIBRARY_DIRS


@record
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


def search_dirs(elf: ElfFacts, elf_abs_path: str, platform: Platform,
                inherited: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The directories searched for `elf`'s needs, in order. `inherited`: the DT_RPATHs of the
    objects that loaded it, which glibc searches after the object's own DT_RPATH when the
    object has no DT_RUNPATH (how auditwheel-repaired libraries find their siblings)."""
    dirs: list[str] = []
    if not elf.runpath:
        dirs += own_rpath(elf, elf_abs_path)
        dirs += inherited
    dirs += list(platform.ld_library_path)
    origin = posixpath.dirname(elf_abs_path)
    dirs += [_expand(d, origin) for d in elf.runpath]
    dirs += [d for d in DEFAULT_DIRS if d not in dirs]
    return tuple(dict.fromkeys(d for d in dirs if d))


def own_rpath(elf: ElfFacts, elf_abs_path: str) -> list[str]:
    """The object's DT_RPATH, expanded; empty when a DT_RUNPATH makes the loader ignore it."""
    if elf.runpath:
        return []
    origin = posixpath.dirname(elf_abs_path)
    return [_expand(d, origin) for d in elf.rpath]


def _expand(entry: str, origin: str) -> str:
    expanded = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
    expanded = expanded.replace("${LIB}", "lib64").replace("$LIB", "lib64")
    if not expanded.startswith("/"):
        expanded = posixpath.join(TASK_ROOT, expanded)  # relative to the working directory
    return posixpath.normpath(expanded)


def resolve(soname: str, elf: ElfFacts, elf_abs_path: str, platform: Platform,
            view: FileView, inherited: tuple[str, ...] = ()) -> Resolution:
    dirs = search_dirs(elf, elf_abs_path, platform, inherited)
    if "/" in soname:
        path = soname if soname.startswith("/") else posixpath.join(TASK_ROOT, soname)
        return Resolution(soname, bundled=view.resolve(path), searched=(path,))
    copies = platform.candidates(soname)  # a runtime-bundled copy and the OS's it shadows
    for directory in dirs:
        if view.covers(directory):
            bundled = view.resolve(posixpath.join(directory, soname))
            if bundled is not None:
                return Resolution(soname, bundled=bundled, searched=dirs)
            continue
        for system in copies:
            if _same_dir(system.path, directory):
                return Resolution(soname, system=system, searched=dirs)
    if copies:  # the loader's cache and defaults still find system libraries
        return Resolution(soname, system=copies[0], searched=dirs)
    return Resolution(soname, absent=platform.absent.get(soname), searched=dirs)


def _same_dir(library_dir: str | None, directory: str) -> bool:
    """Unknown locations match any system directory; /lib64 is /usr/lib64 on Amazon Linux."""
    if library_dir is None:
        return True
    aliases = {"/lib64": "/usr/lib64", "/lib": "/usr/lib"}
    return aliases.get(library_dir, library_dir) == aliases.get(directory, directory)


_MAX_ROUNDS = 16  # loader chains deeper than this are not followed further


class LoaderModel:
    """Resolution for every ELF in the function, with the loader chain taken into account.

    glibc searches, for an object without DT_RUNPATH, its own DT_RPATH and then the DT_RPATHs
    of the objects that loaded it, up the chain. An extension module with RPATH
    $ORIGIN/../pkg.libs therefore lets the libraries it loads find their own siblings there.
    Which object loads a library first depends on load order, so the chains of every object
    that needs it are searched (no false failure; the libraries are siblings in practice).
    """

    def __init__(self, elves: list[tuple[Located, ElfFacts]], platform: Platform,
                 view: FileView) -> None:
        self._platform = platform
        self._view = view
        self._inherited: dict[str, tuple[str, ...]] = {}
        by_path = {loc.abs_path: elf for loc, elf in elves}
        for _ in range(_MAX_ROUNDS):
            if not self._propagate(by_path):
                break

    def _propagate(self, by_path: dict[str, ElfFacts]) -> bool:
        changed = False
        for path, elf in by_path.items():
            chain = tuple(own_rpath(elf, path)) + self._inherited.get(path, ())
            if not chain:
                continue
            for soname in elf.needed:
                child = self.resolve(soname, elf, path).bundled
                if child is None or child.abs_path not in by_path:
                    continue
                old = self._inherited.get(child.abs_path, ())
                new = tuple(dict.fromkeys(old + chain))
                if new != old:
                    self._inherited[child.abs_path] = new
                    changed = True
        return changed

    def resolve(self, soname: str, elf: ElfFacts, elf_abs_path: str) -> Resolution:
        return resolve(soname, elf, elf_abs_path, self._platform, self._view,
                       self._inherited.get(elf_abs_path, ()))
