"""Judge what Lambda loads: the layouts through which packages ship binaries for several
platforms and pick one at run time.

- node-gyp-build / prebuildify: `prebuilds/<platform>-<arch>/<name>[.<tags>].node`; only the
  directory for linux-<arch> is looked at, and there files tagged `musl` (or for another
  runtime, `electron`, or another ARM version, `armv7`) are passed over;
- node-pre-gyp / prebuild-install: `lib/binding/[Release/]{node-vNN|napi-vN}-<platform>-<arch>
  [-<libc>]/`: only the directory for the running platform is required;
- optional platform packages (esbuild, swc, napi-rs, `@img/sharp-*`): a package whose
  package.json `os`/`cpu`/`libc` fields exclude Lambda's platform is never required; the parent
  package's `optionalDependencies` name the platform packages it requires at run time, so the
  one for Lambda's platform missing is an error;
- per-OS helper executables in wheels (selenium's `webdriver/common/{linux,macos,windows}/
  selenium-manager`): Python imports extension modules only; a helper is run as a
  subprocess, if at all, so it is not loaded.

Every binary outside these layouts is Unknown: the caller judges it as it always did.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from checker.packages.owners import package_name, read_package_json
from checker.packages.tree import Tree
from checker.patterns import lazy_pattern
from checker.records import record

_NODE_ARCH = {"x86_64": "x64", "arm64": "arm64"}
_PREBUILD_DIR = lazy_pattern(r"(?:^|/)prebuilds/([a-z0-9]+)-([a-z0-9]+)/[^/]+$")
_PRE_GYP_DIR = lazy_pattern(
    r"(?:^|/)lib/binding/(?:Release/|Debug/)?(?:node|napi|electron)-v[0-9.]+-"
    r"([a-z0-9]+)-([a-z0-9]+)(?:-(glibc|musl|unknown))?/")
_HELPER_OS_DIRS = {"linux": "linux", "macos": "macOS", "mac": "macOS", "darwin": "macOS",
                   "windows": "Windows", "win32": "Windows", "win": "Windows"}
# A platform package's name: ...-linux-arm64, ...-linux-x64-gnu, ...-linuxmusl-x64, ...
_PLATFORM_NAME = lazy_pattern(
    r"[-/](linux|linuxmusl|darwin|win32|freebsd|android|openbsd|netbsd|sunos|aix|wasm32)"
    r"(?:-([a-z0-9]+))?(?:-(gnu|musl|gnueabihf|musleabihf|msvc))?$")
_CPU_NAMES = frozenset({"x64", "arm64", "arm", "ia32", "loong64", "mips64el", "ppc64", "riscv64",
                        "s390x", "universal"})


class Verdict(enum.Enum):
    REACHABLE = "reachable"  # in a recognised layout, and what Lambda's platform selects
    NOT_LOADED = "not-loaded"  # in a recognised layout, for another platform: never loaded
    UNKNOWN = "unknown"  # no layout recognised: judge it as any other binary


@record
class Platform:
    """Lambda's platform: always Linux with glibc; arch "x86_64" or "arm64"."""

    arch: str
    os: str = "linux"
    libc: str = "glibc"

    @property
    def node_arch(self) -> str:
        return _NODE_ARCH.get(self.arch, self.arch)

    @property
    def node_platform(self) -> str:
        return f"{self.os}-{self.node_arch}"


@record
class Reach:
    """The verdict on one binary. layout: which layout was recognised (None for Unknown)."""

    path: str
    verdict: Verdict
    reason: str | None = None
    layout: str | None = None


@record
class MissingPlatformBinary:
    """A package requires a platform package for Lambda's platform that is not installed."""

    package: str  # the parent ("sharp")
    version: str | None
    expected: str  # the platform package ("@img/sharp-linux-arm64")
    manifest: str  # the parent's package.json (absolute)
    message: str
    fix: str


def judge(tree: Tree, paths: Iterable[str], platform: Platform) -> dict[str, Reach]:
    """The verdict on each absolute path in `paths` (the binaries the caller would judge)."""
    excluded = _excluded_packages(tree, platform)
    return {path: _judge_one(path, platform, excluded) for path in paths}


def _judge_one(path: str, platform: Platform, excluded: dict[str, str]) -> Reach:
    root = _innermost_package_root(path)
    if root is not None and root in excluded:
        return Reach(path, Verdict.NOT_LOADED, excluded[root], "platform-package")
    # (the substring tests first: most paths hold neither layout, and then nothing compiles)
    found = _PREBUILD_DIR().search(path) if "prebuilds/" in path else None
    if found is not None and ("node_modules/" in path or path.endswith(".node")):
        return _prebuild(path, found.group(1), found.group(2), platform)
    found = _PRE_GYP_DIR().search(path) if "lib/binding/" in path else None
    if found is not None:
        os_name, arch, libc = found.group(1), found.group(2), found.group(3)
        if (os_name, arch) != (platform.os, platform.node_arch) or libc == "musl":
            where = f"{os_name}-{arch}" + (f"-{libc}" if libc else "")
            return Reach(path, Verdict.NOT_LOADED,
                         f"a node-pre-gyp binding for {where}; on {platform.node_platform} the "
                         f"package requires lib/binding/...-{platform.node_platform}",
                         "node-pre-gyp")
        return Reach(path, Verdict.REACHABLE, None, "node-pre-gyp")
    return _helper(path)


def _prebuild(path: str, os_name: str, arch: str, platform: Platform) -> Reach:
    wanted = platform.node_platform
    if f"{os_name}-{arch}" != wanted:
        return Reach(path, Verdict.NOT_LOADED,
                     f"a prebuild for {os_name}-{arch}; node-gyp-build loads only "
                     f"prebuilds/{wanted}/ on Lambda", "prebuilds")
    tags = path.rpartition("/")[2].split(".")[1:-1]
    if "musl" in tags:
        return Reach(path, Verdict.NOT_LOADED, "a musl build; node-gyp-build picks the glibc "
                     "one on Lambda (glibc)", "prebuilds")
    if any(t in ("electron", "node-webkit") for t in tags):
        return Reach(path, Verdict.NOT_LOADED, "a build for Electron / NW.js, not Node",
                     "prebuilds")
    if any(t.startswith("armv") for t in tags) and platform.node_arch != "arm":
        return Reach(path, Verdict.NOT_LOADED, "a build for 32-bit ARM", "prebuilds")
    return Reach(path, Verdict.REACHABLE, None, "prebuilds")


def _helper(path: str) -> Reach:
    """selenium-manager style: <python package>/.../<os>/<executable>, not an extension."""
    parts = path.split("/")
    name = parts[-1]
    if len(parts) < 3 or "node_modules" in parts or name.endswith(".so") or ".so." in name:
        return Reach(path, Verdict.UNKNOWN)
    os_dir = parts[-2].lower()
    siblings_named = name.removesuffix(".exe")
    if os_dir in _HELPER_OS_DIRS and siblings_named == "selenium-manager":
        return Reach(path, Verdict.NOT_LOADED,
                     f"selenium's helper executable for {_HELPER_OS_DIRS[os_dir]}: Python never "
                     "loads it (selenium runs it as a subprocess to locate a browser driver, "
                     "only when no driver path is given)", "wheel-helper")
    return Reach(path, Verdict.UNKNOWN)


# -- optional platform packages -------------------------------------------------------------


def _matches(values: object, wanted: str) -> bool:
    """npm's rule for `os`/`cpu`/`libc`: a list of allowed values, or of "!value" exclusions."""
    if not isinstance(values, list) or not values:
        return True
    allowed = [v for v in values if isinstance(v, str) and not v.startswith("!")]
    blocked = {v[1:] for v in values if isinstance(v, str) and v.startswith("!")}
    if wanted in blocked:
        return False
    return not allowed or wanted in allowed


def _excluded_packages(tree: Tree, platform: Platform) -> dict[str, str]:
    """node_modules package roots whose package.json excludes Lambda's platform → reason."""
    found: dict[str, str] = {}
    for entry in tree.files():
        if not entry.abs_path.endswith("/package.json"):
            continue
        root = entry.abs_path.removesuffix("/package.json")
        name = package_name(root)
        if name is None:
            continue
        data = read_package_json(tree, entry.abs_path)
        checks = (("os", platform.os), ("cpu", platform.node_arch), ("libc", platform.libc))
        for field, wanted in checks:
            if not _matches(data.get(field), wanted):
                found[root] = (f"{name} is for {field} {_listing(data.get(field))}; npm installs "
                               f"it only there and nothing requires it on "
                               f"{platform.node_platform} ({platform.libc})")
                break
    return found


def _listing(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list) else str(values)


def _innermost_package_root(path: str) -> str | None:
    directory = path.rpartition("/")[0]
    while "node_modules" in directory:
        if package_name(directory) is not None:
            return directory
        directory = directory.rpartition("/")[0]
    return None


def platform_package_for(name: str) -> tuple[str, str | None, str | None] | None:
    """(os, cpu, libc) a platform package's name says it is for ("@img/sharp-linux-arm64" →
    ("linux", "arm64", None)); None when the name does not follow the convention."""
    found = _PLATFORM_NAME().search(name)
    if found is None:
        return None
    os_name, cpu, libc = found.group(1), found.group(2), found.group(3)
    if cpu is not None and cpu not in _CPU_NAMES:
        return None
    if os_name == "linuxmusl":
        os_name, libc = "linux", "musl"
    return os_name, cpu, libc


def _for_platform(name: str, platform: Platform) -> bool:
    parsed = platform_package_for(name)
    if parsed is None:
        return False
    os_name, cpu, libc = parsed
    return (os_name == platform.os and cpu == platform.node_arch
            and (libc is None or libc in ("gnu", "glibc")))


def missing_platform_packages(tree: Tree, platform: Platform) -> list[MissingPlatformBinary]:
    """Each installed package whose optionalDependencies name a platform package for Lambda's
    platform that Node's resolution from that package would not find."""
    missing: list[MissingPlatformBinary] = []
    for entry in tree.files():
        root = entry.abs_path.removesuffix("/package.json")
        if root == entry.abs_path or package_name(root) is None:
            continue
        data = read_package_json(tree, entry.abs_path)
        optional = data.get("optionalDependencies")
        if not isinstance(optional, dict):
            continue
        parent = str(data.get("name") or package_name(root))
        raw_version = data.get("version")
        version = raw_version if isinstance(raw_version, str) else None
        missing.extend(_missing(parent, version, dep, entry.abs_path, platform)
                       for dep in sorted(optional)
                       if _for_platform(dep, platform) and not _resolves(tree, root, dep))
    return missing


def _resolves(tree: Tree, root: str, dep: str) -> bool:
    """Would require() from package `root` find `dep`? Node looks in node_modules of the
    package's directory and every ancestor, then NODE_PATH (Lambda's /opt/nodejs/...)."""
    directory = root
    candidates = []
    while directory:
        if not directory.endswith("/node_modules"):
            candidates.append(f"{directory}/node_modules/{dep}/package.json")
        directory = directory.rpartition("/")[0]
    candidates.append(f"/opt/nodejs/node_modules/{dep}/package.json")
    if any(c in tree for c in candidates):
        return True
    suffix = f"/node_modules/{dep}/package.json"  # /opt/nodejs/node<major>/node_modules
    return any(e.abs_path.startswith("/opt/nodejs/node") and e.abs_path.endswith(suffix)
               for e in tree.files())


def _missing(parent: str, version: str | None, dep: str, manifest: str,
             platform: Platform) -> MissingPlatformBinary:
    label = f"{parent} {version}" if version else parent
    fix = (f"npm install --os={platform.os} --cpu={platform.node_arch} "
           f"--libc={platform.libc} (or build in a {platform.node_platform} container)")
    message = (f"`{dep}` is not installed: {label} loads it on {platform.node_platform} "
               f"({platform.libc}) and fails without it; npm installed the optional platform "
               "packages for the build machine only")
    return MissingPlatformBinary(parent, version, dep, manifest, message, f"fix: {fix}")
