"""A container image is its own runtime: describe it from its own filesystem and config.

Selection needs a Runtime before anything is read (`placeholder_runtime`); the static check then
builds the real Platform from the image (`image_platform`): glibc from its libc, its loader path
from ENV LD_LIBRARY_PATH, ld.so.conf and the defaults, every file in view (so every library the
loader could find is judged by its own version definitions), and the paths the function uses.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from types import MappingProxyType
from typing import TYPE_CHECKING

from checker.catalog.model import HandlerStyle, Platform, Runtime
from checker.facts import ArtifactFacts, FileFacts
from checker.lambda_env import (
    GENERIC_LIBRARY_DIRS,
    LANG_DIR,
    OPT,
    RUNTIME_DIR,
    SYSTEM_LIBRARY_DIRS,
    TASK_ROOT,
    Arch,
)
from checker.patterns import lazy_pattern

if TYPE_CHECKING:  # the image reader loads only when an image is checked
    from checker.image.reader import ImageFacts

IMAGE_FAMILY = "image"
DEFAULT_LOADER_DIRS = (*SYSTEM_LIBRARY_DIRS, *GENERIC_LIBRARY_DIRS)
FUNCTION_ROOTS = (TASK_ROOT, OPT, RUNTIME_DIR, LANG_DIR)
AWS_ENTRYPOINT = "/lambda-entrypoint.sh"
_INCLUDE = lazy_pattern(r"^\s*include\s+(\S+)")


def placeholder_runtime(ref: str, arch: str) -> Runtime:
    """What selection puts in a Target for an image; static.py replaces the platform."""
    platform = Platform(arch=arch, glibc="?", glibc_sources=(), libraries=MappingProxyType({}),
                        absent=MappingProxyType({}), inventory_complete=True,
                        executables=frozenset(), ld_library_path=(), image=ref)
    return Runtime(name="image", os_id="image", os_name="the image's own OS", family=IMAGE_FAMILY,
                   language_version=None, handler_style=HandlerStyle.CUSTOM,
                   platforms=MappingProxyType({arch: platform}), origin=ref)


def image_runtime(image: ImageFacts, arch: str) -> Runtime:
    """The image as a runtime. A managed-runtime base (python or node in /var/lang/bin, as in
    the public.ecr.aws/lambda images) makes it that family, so its handler is checked too."""
    platform = image_platform(image, arch)
    family, version, style = _language(image)
    return Runtime(name="image", os_id="image", os_name=_os_name(image.filesystem),
                   family=family, language_version=version, handler_style=style,
                   platforms=MappingProxyType({arch: platform}), origin=image.ref)


_PYTHON = lazy_pattern(r"^var/lang/bin/python(3\.\d+)$")


def _language(image: ImageFacts) -> tuple[str, str | None, HandlerStyle]:
    paths = {f.path for f in image.filesystem.files}
    pythons = sorted(m.group(1) for p in paths if (m := _PYTHON().match(p)))
    if pythons:
        return "python", pythons[-1], HandlerStyle.PYTHON
    if "var/lang/bin/node" in paths:
        return "nodejs", None, HandlerStyle.NODE
    return IMAGE_FAMILY, None, HandlerStyle.CUSTOM


def image_handler(image: ImageFacts) -> str | None:
    """The handler the AWS entrypoint gets: the one argument after /lambda-entrypoint.sh."""
    argv = command(image) or ()
    if len(argv) == 2 and argv[0] == AWS_ENTRYPOINT:
        return argv[1]
    return None


def image_platform(image: ImageFacts, arch: str) -> Platform:
    files = image.filesystem.by_path()
    env = dict(image.config.env)
    return Platform(
        arch=arch, glibc=_glibc(files), glibc_sources=(), libraries=MappingProxyType({}),
        absent=MappingProxyType({}), inventory_complete=True,
        executables=frozenset("/" + path for path, f in files.items() if f.mode & 0o111),
        ld_library_path=loader_path(env.get("LD_LIBRARY_PATH", ""), image.filesystem, arch),
        image=image.ref)


def loader_path(ld_library_path: str, filesystem: ArtifactFacts, arch: str) -> tuple[str, ...]:
    dirs = [d for d in ld_library_path.split(":") if d]
    dirs += _ld_so_conf(filesystem, "etc/ld.so.conf", depth=0)
    dirs += Arch.multiarch_dirs_of(arch)
    dirs += DEFAULT_LOADER_DIRS
    return tuple(dict.fromkeys(posixpath.normpath(d) for d in dirs))


def _ld_so_conf(filesystem: ArtifactFacts, path: str, depth: int) -> list[str]:
    text = filesystem.texts.get(path)
    if text is None or depth > 3:
        return []
    dirs: list[str] = []
    for raw in text.decode("utf-8", "replace").splitlines():
        line = raw.split("#", 1)[0].strip()
        include = _INCLUDE().match(line)
        if include:
            pattern = include.group(1).lstrip("/")
            for candidate in sorted(f.path for f in filesystem.files
                                    if _glob(candidate_path=f.path, pattern=pattern)):
                dirs += _ld_so_conf(filesystem, candidate, depth + 1)
        elif line.startswith("/"):
            dirs.append(line)
    return dirs


def _glob(*, candidate_path: str, pattern: str) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(candidate_path, pattern)


def want_text(path: str) -> bool:
    """Files whose contents the image checks read: loader config, the AWS entrypoint script,
    Python sources near the task root (handler modules) and wheel tags."""
    if path in ("etc/ld.so.conf", "lambda-entrypoint.sh", "etc/os-release", "usr/lib/os-release"):
        return True
    if path.startswith("etc/ld.so.conf.d/"):
        return path.endswith(".conf")
    if path.startswith("var/task/"):
        return path.endswith(".dist-info/WHEEL") or (
            path.endswith(".py") and path.count("/") <= 3)
    return False


def want_elf(path: str) -> bool:
    """Parse ELF files where the function's code and the libraries it can load live."""
    return path.startswith(_ELF_PREFIXES)


_ELF_PREFIXES = (*(r.lstrip("/") + "/" for r in FUNCTION_ROOTS), "lib", "usr/lib",
                 "usr/local/lib", "bin/", "usr/bin/", "usr/local/bin/", "sbin/", "usr/sbin/")


def function_scope(image: ImageFacts) -> tuple[str, ...]:
    """The paths the function uses: what the rules judge in an image (not the whole OS)."""
    env = dict(image.config.env)
    roots = list(FUNCTION_ROOTS)
    roots += [env[k] for k in ("LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR") if env.get(k)]
    roots += [p for p in (command(image) or ())[:1] if p.startswith("/")]
    return tuple(dict.fromkeys(posixpath.normpath(r) for r in roots))


def command(image: ImageFacts) -> tuple[str, ...] | None:
    """ENTRYPOINT + CMD, as the container would run them (None when neither is set)."""
    entrypoint = image.config.entrypoint or ()
    cmd = image.config.cmd or ()
    if len(entrypoint) == 1 and " " in entrypoint[0] and not cmd:
        import shlex  # only images with a shell-form ENTRYPOINT

        return tuple(shlex.split(entrypoint[0]))  # shell-form ENTRYPOINT
    full = tuple(entrypoint) + tuple(cmd)
    return full or None


_LIBC_FILE = lazy_pattern(r"^libc-(\d+\.\d+)\.so$")


def _glibc(files: dict[str, FileFacts]) -> str:
    """The image's glibc version: from a libc-2.NN.so file name (older glibc), else the
    highest GLIBC_ node libc.so.6 defines (a release without new symbols has none of its own,
    so this can read one lower)."""
    for path in files:
        named = _LIBC_FILE().match(posixpath.basename(path))
        if named:
            return named.group(1)
    best: tuple[int, ...] = ()
    for path, file in files.items():
        if file.elf is None or (file.elf.soname or posixpath.basename(path)) != "libc.so.6":
            continue
        best = max(best, highest_glibc_node(file.elf.version_defs))
    return ".".join(map(str, best[:2])) if best else "unknown"


def highest_glibc_node(version_defs: Iterable[str]) -> tuple[int, ...]:
    """The highest GLIBC_2.N[.N] version node among libc.so.6's definitions, as numbers
    ((2, 31) for GLIBC_2.31); () when it defines none. (Also the probe's glibc fallback.)"""
    best: tuple[int, ...] = ()
    for name in version_defs:
        if name.startswith("GLIBC_2."):
            best = max(best, tuple(int(p) for p in name[6:].split(".") if p.isdigit()))
    return best


def _os_name(filesystem: ArtifactFacts) -> str:
    for path in ("etc/os-release", "usr/lib/os-release"):
        text = filesystem.texts.get(path)
        if text is None:
            continue
        for line in text.decode("utf-8", "replace").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return "the image's own OS"
