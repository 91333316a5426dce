"""Generate the runtime catalog from file lists dumped inside real Lambda functions.

    python3 scripts/generate_catalog.py --dumps DIR_OR_GITDIR [--dumps-commit REV] \
        --lifecycle FILE_OR_GITDIR [--lifecycle-commit REV] --out DIR [--runtimes a,b,...]

--dumps is shogo82148/docker-lambda: a bare git dir (read at --dumps-commit, default HEAD;
each file's commit and date come from `git log`) or a plain directory holding the same paths
and a SOURCE file (TOML: repository, commit, and a [files."PATH"] table with commit and dumped
per file). --lifecycle is aws-cloudformation/cfn-lint's LmbdRuntimeLifecycle.json: a git dir
(read at --lifecycle-commit) or the file itself, with a SOURCE file in its directory or above.

What comes from where:
- `dockerfiles/base.<os>/fs-<arch>.txt` and `packages-<arch>.txt` (the OS), and
  `dockerfiles/<runtime>/fs-<arch>.txt` (/var/lang and /var/runtime of each runtime): every
  shared library on Lambda's loader path (/var/lang/lib, /lib64, /usr/lib64, /var/runtime,
  /var/runtime/lib), in that order; the rpm each OS library comes from; the executables.
- Version nodes only where they follow from a version (glibc, libstdc++, libgcc_s, OpenSSL 3,
  libxcrypt, zlib; see DERIVATIONS); every other library's versions stay unknown.
- The lifecycle file: deprecation, block-create and block-update dates.
- RUNTIMES below: what no listing says (family, language version, image tags, the OS of a
  runtime that has no listing of its own).

Stdlib only, so that it runs before the project is installed. The output is deterministic:
the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DUMPS_REPOSITORY = "shogo82148/docker-lambda"
LIFECYCLE_REPOSITORY = "aws-cloudformation/cfn-lint"
LIFECYCLE_PATH = "src/cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json"
ARCHES = ("x86_64", "arm64")
LD_LIBRARY_PATH = ("/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime", "/var/runtime/lib",
                   "/var/task", "/var/task/lib", "/opt/lib")
OS_DIRS = ("/lib64", "/usr/lib64")
RUNTIME_FIRST = ("/var/lang/lib",)  # before the OS directories
RUNTIME_LAST = ("/var/runtime", "/var/runtime/lib")  # after them
# The program interpreter is loaded by the kernel from PT_INTERP, wherever it lives.
INTERPRETERS = {"x86_64": "ld-linux-x86-64.so.2", "arm64": "ld-linux-aarch64.so.1"}
SHELLS = ("sh", "bash", "env", "awk", "gawk", "sed", "grep", "perl", "python", "python2",
          "python2.7", "python3")


class GenerateError(Exception):
    """Bad input: one line, exit 2."""


# ---- the hand-kept facts: what no listing says ----------------------------------------------

@dataclass(frozen=True)
class RuntimeSpec:
    name: str
    family: str
    os: str  # al1, al2, al2023
    language_version: str | None = None
    image: str | None = None  # one multi-arch tag
    images: Mapping[str, str] | None = None
    arches: tuple[str, ...] = ("x86_64",)  # only when there is no listing of the runtime
    listing: bool = True  # dockerfiles/<name>/fs-<arch>.txt exists
    preview: bool = False
    image_source: str = "S47"
    notes: tuple[str, ...] = ()
    # curated facts kept from the hand-written catalog (ids of runtimes/sources-curated.toml)
    sources: tuple[str, ...] = ()  # cited by the notes
    confidence: str = "confirmed"  # of the OS and arch mapping ("inferred" without a listing)
    executables: tuple[str, ...] = ()  # known without a listing
    deprecation: Mapping[str, Any] | None = None  # when the lifecycle file has no entry
    # soname -> (series, source) for a bundled library whose listing has no full version
    # (libcrypto.so.3 without libcrypto.so.3.3.5): a reported version, kept as inferred
    library_series: Mapping[str, tuple[Mapping[str, str], str]] | None = None


def _r(name: str, family: str, os_id: str, version: str | None, image: str,
       **more: Any) -> RuntimeSpec:
    return RuntimeSpec(name=name, family=family, os=os_id, language_version=version,
                       image=image, **more)


ECR = "public.ecr.aws/lambda/"
_AGENTCORE = ("The Bedrock AgentCore page labels this version AL2023 (S34); that is AgentCore, "
              "not Lambda: the Lambda base image is AL2 (S6).")
# The lifecycle file has no java*.al2023 entries; AWS's deprecation table (S45) has them.
_JAVA_AL2023_DEPRECATION = {"date": date(2029, 6, 30), "block_update": date(2029, 8, 31),
                            "sources": ["S45"], "confidence": "confirmed"}
LAMBCI = "lambci/lambda:"
BOTH = ("x86_64", "arm64")
RUNTIMES: tuple[RuntimeSpec, ...] = (
    _r("provided", "provided", "al1", None, ECR + "provided:alami", listing=False,
       sources=("S46",),
       notes=(("x86_64 only: the base-images branch has no arm64 directory (S46) and SAM lists "
               "x86_64 only (S47)."), "Image tag provided:alami per SAM CLI's tag rule (S47).")),
    _r("provided.al2", "provided", "al2", None, ECR + "provided:al2", listing=False, arches=BOTH,
       sources=("S44", "S39"),
       notes=(("Successor: provided.al2023 (S44). Binaries built on AL2023 (glibc 2.34) do not "
               "load here (S39)."),)),
    _r("provided.al2023", "provided", "al2023", None, ECR + "provided:al2023", listing=False,
       arches=BOTH, sources=("S22", "S24"),
       notes=("No python3, no yum/dnf (microdnf only) in this image (S22, S24).",)),
    _r("python2.7", "python", "al1", "2.7", ECR + "python:2.7", listing=False),
    _r("python3.6", "python", "al1", "3.6", ECR + "python:3.6", listing=False),
    _r("python3.7", "python", "al1", "3.7", ECR + "python:3.7"),
    *(_r(f"python3.{m}", "python", "al2", f"3.{m}", f"{ECR}python:3.{m}") for m in range(8, 10)),
    _r("python3.10", "python", "al2", "3.10", ECR + "python:3.10", sources=("S34", "S6"),
       notes=(_AGENTCORE,)),
    _r("python3.11", "python", "al2", "3.11", ECR + "python:3.11", sources=("S34", "S6", "S25"),
       notes=(_AGENTCORE, ("public.ecr.aws/lambda/python:3.11 of 2023-12-05 was briefly "
                           "AL2023-like and rolled back (S25): pin image digests."))),
    *(_r(f"python3.{m}", "python", "al2023", f"3.{m}", f"{ECR}python:3.{m}")
      for m in range(12, 15)),
    _r("python3.15", "python", "al2023", "3.15", ECR + "python:3.15-preview", preview=True),
    _r("nodejs4.3", "nodejs", "al1", "4.3", LAMBCI + "nodejs4.3", listing=False,
       image_source="lambci-images"),
    _r("nodejs6.10", "nodejs", "al1", "6.10", LAMBCI + "nodejs6.10", listing=False,
       image_source="lambci-images"),
    _r("nodejs8.10", "nodejs", "al1", "8.10", LAMBCI + "nodejs8.10", listing=False,
       image_source="lambci-images"),
    _r("nodejs10.x", "nodejs", "al2", "10", ECR + "nodejs:10", listing=False),
    _r("nodejs12.x", "nodejs", "al2", "12", ECR + "nodejs:12", listing=False, arches=BOTH),
    *(_r(f"nodejs{v}.x", "nodejs", "al2", str(v), f"{ECR}nodejs:{v}") for v in (14, 16, 18)),
    _r("nodejs20.x", "nodejs", "al2023", "20", ECR + "nodejs:20"),
    _r("nodejs22.x", "nodejs", "al2023", "22", ECR + "nodejs:22", sources=("S14",),
       library_series={"libcrypto.so.3": ({"OPENSSL_": "3.3.0"}, "S14")},
       notes=(("/var/lang/lib/libcrypto.so.3 (OpenSSL 3.3.5) shadows the system's newer one: a "
               "binary needing OPENSSL_3.4.0 fails here (S14)."),)),
    _r("nodejs24.x", "nodejs", "al2023", "24", ECR + "nodejs:24"),
    _r("nodejs26.x", "nodejs", "al2023", "26", ECR + "nodejs:26-preview", preview=True),
    _r("java8", "java", "al1", "8", ECR + "java:8"),
    *(_r(name, "java", "al2", v, f"{ECR}java:{name.removeprefix('java')}", sources=("S32",),
         notes=(f"Successor on AL2023 with the same Java version: java{v}.al2023 (S32).",))
      for name, v in (("java8.al2", "8"), ("java11", "11"), ("java17", "17"))),
    *(_r(f"java{v}.al2023", "java", "al2023", v, f"{ECR}java:{v}.al2023", sources=("S45",),
         notes=("Image tag follows SAM CLI's tag rule (S47); not seen published (inferred).",),
         deprecation=_JAVA_AL2023_DEPRECATION)
      for v in ("8", "11", "17")),
    _r("java21", "java", "al2023", "21", ECR + "java:21"),
    _r("java25", "java", "al2023", "25", ECR + "java:25"),
    _r("go1.x", "provided", "al1", None, ECR + "go:1",
       notes=("go1.x runs the function binary as the handler (custom handler style).",)),
    _r("ruby2.5", "ruby", "al1", "2.5", ECR + "ruby:2.5", listing=False),
    _r("ruby2.7", "ruby", "al2", "2.7", ECR + "ruby:2.7"),
    _r("ruby3.2", "ruby", "al2", "3.2", ECR + "ruby:3.2"),
    *(_r(f"ruby{v}", "ruby", "al2023", v, f"{ECR}ruby:{v}") for v in ("3.3", "3.4", "4.0")),
    _r("dotnetcore2.0", "dotnet", "al1", "2.0", LAMBCI + "dotnetcore2.0", listing=False,
       image_source="lambci-images"),
    _r("dotnetcore2.1", "dotnet", "al1", "2.1", ECR + "dotnet:core2.1", listing=False),
    _r("dotnetcore3.1", "dotnet", "al2", "3.1", ECR + "dotnet:core3.1", listing=False,
       arches=BOTH),
    _r("dotnet6", "dotnet", "al2", "6", ECR + "dotnet:6"),
    _r("dotnet7", "dotnet", "al2", "7", ECR + "dotnet:7", listing=False, arches=BOTH,
       notes=("dotnet7 was offered as a container image only.",)),
    _r("dotnet8", "dotnet", "al2023", "8", ECR + "dotnet:8"),
    _r("dotnet9", "dotnet", "al2023", "9", ECR + "dotnet:9", listing=False, arches=BOTH,
       sources=("S45",), confidence="inferred", executables=("/var/lang/bin/dotnet",),
       notes=(("Container image only: Lambda has no managed .NET 9 runtime for .zip functions "
               "(S45). OS and arches inferred from dotnet8/dotnet10."),)),
    _r("dotnet10", "dotnet", "al2023", "10", ECR + "dotnet:10"),
)

OS_NAMES = {"al1": "Amazon Linux (2018.03)", "al2": "Amazon Linux 2", "al2023": "Amazon Linux 2023"}
OS_DUMP_DIRS = {"al1": "base", "al2": "base.al2", "al2023": "base.al2023"}
OS_IMAGES = {"al1": "amazonlinux:1", "al2": "amazonlinux:2", "al2023": "amazonlinux:2023"}
# Version nodes of OS libraries that no rule derives, read from their packages' sources and kept
# from the hand-written catalog (as inferred): os -> soname -> (nodes known defined, sources).
_OPENSSL10 = ["libcrypto.so.10", "OPENSSL_1.0.1", "OPENSSL_1.0.1_EC", "OPENSSL_1.0.2"]
OS_LIBRARY_EXTRA: dict[str, dict[str, tuple[list[str], tuple[str, ...]]]] = {
    "al1": {"libcrypto.so.10": (_OPENSSL10, ("S36",)),
            "libssl.so.10": (["libssl.so.10"], ("S36",))},
    "al2": {"libcrypto.so.10": (_OPENSSL10, ("S29", "S36")),
            "libssl.so.10": (["libssl.so.10"], ("S29", "S36"))},
}
# Notes no listing gives, with the curated sources they cite.
OS_NOTES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "al2": ((("Amazon Linux 2 reached end of support on 2026-06-30; Lambda keeps patching AL2 "
              "runtimes until their own deprecation dates (S32, S39)."),
             ("The AL2 managed runtime (.zip) is thinner than the public.ecr.aws/lambda AL2 "
              "images: a binary can load in the image and still miss libcurl, libxml2, libcrypt, "
              "... on AWS (S3, S26, S27).")), ("S32", "S39", "S3", "S26", "S27")),
    "al2023": ((("No python3 in the OS: '#!/usr/bin/env python3' does not resolve outside the "
                 "python runtimes (inferred from S22, S24)."),), ("S22", "S24")),
}

# The hand-curated sources (S1.., cited by RUNTIMES, OS_NOTES and runtimes/limits.toml) live in
# runtimes/sources-curated.toml, which this script does not write; the catalog's loader merges
# every file and refuses a cited id that no file defines. Below: the sources this script adds.
HAND_SOURCES: dict[str, dict[str, str]] = {
    "lambci-images": {"title": "lambci/docker-lambda (archived): lambci/lambda:<runtime> images "
                               "built from file systems dumped in real Lambda functions",
                      "url": "https://github.com/lambci/docker-lambda"},
    "derive.glibc": {"title": "glibc version nodes per architecture: GLIBC_2.2.5 .. (x86_64) "
                              "and GLIBC_2.17 .. (aarch64), read with readelf -V from Debian 12's "
                              "glibc 2.36 (libc6 amd64, libc6-arm64-cross); a release defines the "
                              "nodes up to its own version"},
    "derive.libstdcxx": {"title": "gcc libstdc++-v3/doc/xml/manual/abi.xml: libstdc++.so.6.0.N "
                                  "defines GLIBCXX_3.4 .. GLIBCXX_3.4.N; CXXABI_1.3.M by GCC "
                                  "version; CXXABI_TM_1, and CXXABI_FLOAT128 on x86_64",
                         "url": "https://gcc.gnu.org/onlinedocs/libstdc++/manual/abi.html"},
    "derive.libgcc": {"title": "gcc libgcc/libgcc-std.ver.in, config/i386/libgcc-glibc.ver, "
                               "config/aarch64/libgcc-softfp.ver, libgcc-sme.ver: GCC_ nodes "
                               "per GCC major and architecture (GCC 7, 11, 12 checked with "
                               "readelf -V)"},
    "derive.openssl": {"title": "OpenSSL 3 util/libcrypto.num, libssl.num: release 3.x defines "
                                "OPENSSL_3.0.0 .. OPENSSL_3.x.0"},
    "derive.xcrypt": {"title": "libxcrypt lib/libcrypt.map.in: XCRYPT_2.0; the compat "
                               "libcrypt.so.1 also GLIBC_2.2.5 on x86_64 (readelf -V of Debian's "
                               "libcrypt1 4.4.33)"},
    "derive.zlib": {"title": "madler/zlib zlib.map: ZLIB_1.2.0 .. ZLIB_1.2.12, each node first in "
                              "the release its number names (readelf -V of zlib 1.2.13)"},
}


# ---- exact version definitions (DERIVATIONS) ------------------------------------------------

_GLIBC_X86 = ["2.2.5", "2.2.6", "2.3", "2.3.2", "2.3.3", "2.3.4"] + [f"2.{n}" for n in range(4, 19)]
_GLIBC_ARM = ["2.17", "2.18"]
_GLIBC_SONAMES = {
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
    "libanl.so.1", "libresolv.so.2", "libnsl.so.1", "libcidn.so.1", "libBrokenLocale.so.1",
    "libnss_compat.so.2", "libnss_dns.so.2", "libnss_files.so.2", "libnss_hesiod.so.2",
    "libnss_db.so.2", "libthread_db.so.1", "libc_malloc_debug.so.0", "libmvec.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
}
# libstdc++.so.6.0.N -> highest CXXABI_1.3.M (GCC 7: 24, 8: 25, 9: 26-28, 10: 28, 11: 29,
# 12: 30, 13: 31-32, 14: 33)
_CXXABI = {24: 11, 25: 11, 26: 12, 27: 12, 28: 12, 29: 13, 30: 13, 31: 14, 32: 14, 33: 15}
_LIBGCC_BASE = {
    "x86_64": ["GCC_3.0", "GCC_3.3", "GCC_3.3.1", "GCC_3.4", "GCC_3.4.2", "GCC_3.4.4", "GCC_4.0.0",
               "GCC_4.2.0", "GCC_4.3.0", "GCC_4.7.0", "GCC_4.8.0", "GCC_7.0.0"],
    "arm64": ["GLIBC_2.0", "GCC_3.0", "GCC_3.3", "GCC_3.3.1", "GCC_3.4", "GCC_3.4.2", "GCC_3.4.4",
              "GCC_4.0.0", "GCC_4.2.0", "GCC_4.3.0", "GCC_4.5.0", "GCC_4.7.0", "GCC_7.0.0"],
}
# GCC major -> nodes added (from the map files); majors up to 12 checked against real builds.
_LIBGCC_ADDED = {
    "x86_64": {12: ["GCC_12.0.0"], 13: ["GCC_13.0.0"], 14: ["GCC_14.0.0"]},
    "arm64": {11: ["GCC_11.0"], 13: ["GCC_13.0.0"], 14: ["GCC_14.0.0", "GCC_14.0"]},
}
_LIBGCC_VERIFIED = 12
_ZLIB_NODES = ["1.2.0", "1.2.0.2", "1.2.0.8", "1.2.2", "1.2.2.3", "1.2.2.4", "1.2.3.3", "1.2.3.4",
               "1.2.3.5", "1.2.5.1", "1.2.5.2", "1.2.7.1", "1.2.9", "1.2.12"]
_ZLIB_KNOWN_UP_TO = (1, 3, 1)  # no node was added after 1.2.12 up to this release


def _vtuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def glibc_nodes(arch: str, version: str) -> list[str]:
    top = _vtuple(version)
    later = [f"2.{n}" for n in range(22, top[1] + 1)]
    base = _GLIBC_X86 if arch == "x86_64" else _GLIBC_ARM
    return [f"GLIBC_{v}" for v in base + later if _vtuple(v) <= top] + ["GLIBC_PRIVATE"]


def libstdcxx_nodes(arch: str, minor: int) -> list[str] | None:
    if minor not in _CXXABI:
        return None
    nodes = ["GLIBCXX_3.4", *(f"GLIBCXX_3.4.{n}" for n in range(1, minor + 1)), "CXXABI_1.3",
             *(f"CXXABI_1.3.{n}" for n in range(1, _CXXABI[minor] + 1)), "CXXABI_TM_1"]
    return nodes + (["CXXABI_FLOAT128"] if arch == "x86_64" else [])


def libgcc_nodes(arch: str, major: int) -> list[str] | None:
    if major < 7 or major > max(_LIBGCC_ADDED[arch]) + 0:
        return None
    added = [node for gcc, nodes in sorted(_LIBGCC_ADDED[arch].items()) if gcc <= major
             for node in nodes]
    return ["libgcc_s.so.1", *_LIBGCC_BASE[arch], *added]


def zlib_nodes(version: str) -> list[str] | None:
    top = _vtuple(version)
    if top[:3] > _ZLIB_KNOWN_UP_TO or top < (1, 2, 0):
        return None
    return [f"ZLIB_{v}" for v in _ZLIB_NODES if _vtuple(v) <= top]


# ---- reading the inputs ----------------------------------------------------------------------

@dataclass(frozen=True)
class Origin:
    repository: str
    commit: str
    path: str
    dumped: str  # the date the file was last changed: when the listing was taken

    def source(self, title: str) -> dict[str, str]:
        return {"title": title, "url": f"https://github.com/{self.repository}/blob/{self.commit}/"
                                       f"{self.path}",
                "repository": self.repository, "commit": self.commit, "path": self.path,
                "dumped": self.dumped}


class Tree:
    """A repository snapshot: files by path, and where each came from."""

    def read(self, path: str) -> str | None:
        raise NotImplementedError

    def origin(self, path: str) -> Origin:
        raise NotImplementedError


def _git(gitdir: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True,
                              check=False)
    except OSError as err:
        raise GenerateError(f"cannot run git: {err}") from None
    if done.returncode != 0:
        raise GenerateError(f"git {' '.join(args)} in {gitdir} failed: "
                            f"{done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8", errors="strict")


class GitTree(Tree):
    def __init__(self, gitdir: Path, commit: str, repository: str) -> None:
        self.gitdir = gitdir
        self.repository = repository
        self.commit = _git(gitdir, "rev-parse", "--verify", f"{commit}^{{commit}}").strip()

    def read(self, path: str) -> str | None:
        listed = _git(self.gitdir, "ls-tree", "--name-only", self.commit, "--", path).strip()
        return _git(self.gitdir, "show", f"{self.commit}:{path}") if listed == path else None

    def origin(self, path: str) -> Origin:
        line = _git(self.gitdir, "log", "-1", "--format=%H %cI", self.commit, "--", path).split()
        if len(line) != 2:
            raise GenerateError(f"{self.gitdir}: no history for {path}")
        return Origin(self.repository, line[0], path, line[1][:10])


class DirTree(Tree):
    """A plain directory with a SOURCE file (TOML) naming the repository, commit and dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        source = root / "SOURCE"
        try:
            meta = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise GenerateError(f"{source}: cannot read the SOURCE file: {err}") from None
        try:
            self.repository = str(meta["repository"])
            self.commit = str(meta.get("commit", ""))
            self.files: dict[str, Any] = dict(meta["files"])
        except (KeyError, TypeError):
            raise GenerateError(f"{source}: needs 'repository' and a [files] table") from None

    def read(self, path: str) -> str | None:
        file = self.root / path
        if not file.is_file():
            return None
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise GenerateError(f"{file}: cannot read: {err}") from None

    def origin(self, path: str) -> Origin:
        entry = self.files.get(path)
        if not isinstance(entry, dict) or not {"commit", "dumped"} <= set(entry):
            raise GenerateError(f"{self.root / 'SOURCE'}: files.\"{path}\" needs commit and dumped")
        return Origin(self.repository, str(entry["commit"]), path, str(entry["dumped"]))


def open_tree(location: Path, commit: str, repository: str) -> Tree:
    if not location.exists():
        raise GenerateError(f"{location}: no such file or directory")
    if (location / "HEAD").is_file() and (location / "objects").is_dir():
        return GitTree(location, commit, repository)
    if (location / ".git").exists():
        return GitTree(location / ".git", commit, repository)
    return DirTree(location)


def open_lifecycle(location: Path, commit: str) -> tuple[Tree, str]:
    if location.is_file():
        for root in location.resolve().parents:
            if (root / "SOURCE").is_file():
                return DirTree(root), location.resolve().relative_to(root).as_posix()
        raise GenerateError(f"{location}: no SOURCE file in its directory or above")
    return open_tree(location, commit, LIFECYCLE_REPOSITORY), LIFECYCLE_PATH


class Listing:
    """One fs-<arch>.txt: every path, without a leading slash; directories have children."""

    def __init__(self, text: str, label: str) -> None:
        self.paths = {line.strip().strip("/") for line in text.splitlines() if line.strip()}
        if not self.paths:
            raise GenerateError(f"{label}: empty listing")
        _check_ends(text, label)
        self.children: dict[str, list[str]] = {}
        for path in sorted(self.paths):
            parent, _, name = path.rpartition("/")
            self.children.setdefault(parent, []).append(name)
        self.queried: set[str] = set()  # directories read whole (for --write-inputs)
        self.probed: set[str] = set()  # single paths looked up

    def resolve(self, directory: str) -> str:
        """lib64 -> usr/lib64 when lib64 is listed without children (a symlink, UsrMove)."""
        path = directory.strip("/")
        head, _, rest = path.partition("/")
        if head in self.paths and head not in self.children and f"usr/{head}" in self.children:
            return f"usr/{head}" + (f"/{rest}" if rest else "")
        return path

    def files_in(self, directory: str) -> list[str]:
        self.queried.add(directory.strip("/"))
        return self._files_in(directory)

    def _files_in(self, directory: str) -> list[str]:
        real = self.resolve(directory)
        return [name for name in self.children.get(real, [])
                if f"{real}/{name}" not in self.children]

    def exists(self, path: str) -> bool:
        parent, _, name = path.strip("/").rpartition("/")
        self.probed.add(path.strip("/"))
        return name in self._files_in("/" + parent)

    def trimmed(self) -> str:
        """The lines this listing's answers so far depend on: the same answers, far fewer lines.

        The directories read (and what they resolve to), their files, the paths probed, every
        ancestor of those, and, for a kept directory, one chain of children down to a file, so
        that it stays a directory.
        """
        keep: set[str] = set()

        def add(path: str) -> None:
            while path and path in self.paths and path not in keep:
                keep.add(path)
                path = path.rpartition("/")[0]

        def as_directory(path: str) -> None:
            while path in self.children:
                child = f"{path}/{self.children[path][0]}"
                add(child)
                path = child

        for directory in sorted(self.queried):
            real = self.resolve(directory)
            add(directory.partition("/")[0])
            add(directory)
            add(real)
            for name in self._files_in(directory):
                add(f"{real}/{name}")
            as_directory(real)
        for path in sorted(self.probed):
            parent, _, name = path.rpartition("/")
            add(parent.partition("/")[0])
            real = self.resolve(parent)
            add(real)
            if name in self._files_in(parent):
                add(f"{real}/{name}")
        for path in sorted(keep):
            if path in self.children:
                as_directory(path)
        return "".join(f"{path}\n" for path in sorted(keep))


def _check_ends(text: str, label: str) -> None:
    """A dump cut short mid-line (a partial download, a full disk) ends without a newline."""
    if not text.endswith("\n"):
        last = text.rsplit("\n", 1)[-1]
        raise GenerateError(f"{label}: the last line ({last[:60]!r}) has no newline: the file "
                            "is cut short; fetch it again")


# What a package list promises the file list shows: a listing without them is truncated
PACKAGE_LIBRARIES = (("glibc", "libc.so.6"), ("libstdc++", "libstdc++.so.6"),
                     ("libgcc", "libgcc_s.so.1"), ("zlib", "libz.so.1"))
RUNTIME_INTERPRETERS = {"python": "var/lang/bin/python{version}",
                        "nodejs": "var/lang/bin/node", "ruby": "var/lang/bin/ruby"}


def _check_os_listing(listing: Listing, packages: Mapping[str, str], fs_path: str,
                      pkg_path: str) -> None:
    """The OS listing has the libraries its package list installs, else it is truncated."""
    for package, soname in PACKAGE_LIBRARIES:
        if _version_of(packages, package) is None:
            continue
        if not any(listing.exists(f"{d}/{soname}") for d in ("lib64", "usr/lib64")):
            raise GenerateError(f"{fs_path}: no /lib64/{soname}, though {pkg_path} lists "
                                f"{package}: the listing is truncated; fetch it again")


def _check_runtime_listing(listing: Listing, spec: RuntimeSpec, path: str) -> None:
    """A runtime's listing has its interpreter (/var/lang/bin/python3.12, node, ruby) and,
    for python and ruby, its own libraries."""
    pattern = RUNTIME_INTERPRETERS.get(spec.family)
    if pattern is None:
        return
    interpreter = pattern.format(version=spec.language_version or "")
    if not listing.exists(interpreter):
        raise GenerateError(f"{path}: no /{interpreter}: the listing is truncated; "
                            "fetch it again")
    # every python and ruby ships libraries there (node up to 16.x only node_modules/)
    if spec.family in ("python", "ruby") and not listing.files_in("/var/lang/lib"):
        raise GenerateError(f"{path}: no file in /var/lang/lib: the listing is truncated; "
                            "fetch it again")


def parse_packages(text: str, label: str) -> dict[str, str]:
    """rpm -qa lines name-version-release.arch -> {name: version-release}."""
    if text.strip():
        _check_ends(text, label)
    packages: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"(.+)-([^-]+)-([^-]+)\.(x86_64|aarch64|noarch|i686)", line)
        if match is None:
            raise GenerateError(f"{label}: not an rpm name-version-release.arch: {line!r}")
        packages[match.group(1)] = f"{match.group(2)}-{match.group(3)}"
    return packages


# ---- libraries -------------------------------------------------------------------------------

_SO = re.compile(r"^(?P<stem>[^.][^/]*?)\.so(?P<tail>(\.\d+)*)$")

# soname stem -> rpm names (the files each package ships); tried after the generic candidates
_PACKAGE_OF = {
    "libc": "glibc", "libm": "glibc", "libpthread": "glibc", "libdl": "glibc", "librt": "glibc",
    "libutil": "glibc", "libanl": "glibc", "libresolv": "glibc", "libnsl": "glibc",
    "libcidn": "glibc", "libBrokenLocale": "glibc", "libthread_db": "glibc",
    "libc_malloc_debug": "glibc", "libmvec": "glibc", "libSegFault": "glibc",
    "libmemusage": "glibc", "libpcprofile": "glibc", "ld-linux-x86-64": "glibc",
    "ld-linux-aarch64": "glibc", "libcrypt": "glibc", "libgcc_s": "libgcc",
    "libssl": "openssl-snapsafe-libs openssl-libs openssl", "libcrypto":
    "openssl-snapsafe-libs openssl-libs openssl", "libz": "zlib", "libbz2": "bzip2-libs",
    "liblzma": "xz-libs", "liblz4": "lz4-libs", "libtinfo": "ncurses-libs",
    "libreadline": "readline", "libhistory": "readline", "libsqlite3": "sqlite-libs",
    "libgssapi_krb5": "krb5-libs", "libgssrpc": "krb5-libs", "libk5crypto": "krb5-libs",
    "libkdb5": "krb5-libs", "libkrad": "krb5-libs", "libkrb5": "krb5-libs",
    "libkrb5support": "krb5-libs", "libcurl": "libcurl-minimal libcurl",
    "libpcre2-8": "pcre2", "libpcre2-posix": "pcre2", "libgio-2.0": "glib2",
    "libglib-2.0": "glib2", "libgobject-2.0": "glib2", "libgmodule-2.0": "glib2",
    "libgthread-2.0": "glib2", "libgirepository-1.0": "gobject-introspection",
    "libgirepository-2.0": "glib2", "libmagic": "file-libs", "libaudit": "audit-libs",
    "libauparse": "audit-libs", "libpsx": "libcap", "libdrop_ambient": "libcap",
    "libsolvext": "libsolv", "librpm": "rpm-libs", "librpmio": "rpm-libs",
    "liblua-5.4": "lua-libs", "libp11-kit": "p11-kit", "p11-kit-proxy": "p11-kit",
    "libnssckbi": "p11-kit-trust", "libnspr4": "nspr", "libplc4": "nspr", "libplds4": "nspr",
    "libfreebl3": "nss-softokn-freebl", "libfreeblpriv3": "nss-softokn-freebl",
    "libnssutil3": "nss-util", "libexpat": "expat", "libpng15": "libpng",
    "libpcrecpp": "pcre", "libpcreposix": "pcre", "libpcre16": "pcre", "libpcre32": "pcre",
    "libgmpxx": "gmp", "libcom_err": "libcom_err e2fsprogs-libs", "libpeas-1.0": "libpeas",
}
_NCURSES = re.compile(r"^lib(ncurses|form|menu|panel|tic)w?$")
_ICU = re.compile(r"^libicu")


def package_of(stem: str, packages: Mapping[str, str]) -> str | None:
    stem = re.sub(r"-[\d.-]+$", "", stem)  # libc-2.26.so, libgcc_s-14-20250110.so.1
    bare = stem.removeprefix("lib")
    candidates = [stem, f"{stem}-libs", bare, f"{bare}-libs"]
    candidates += _PACKAGE_OF.get(stem, "").split()
    candidates += ["ncurses-libs", "ncurses"] if _NCURSES.match(stem) else []
    candidates += ["libicu"] if _ICU.match(stem) else []
    for name in candidates:
        for package in sorted(packages):
            if package == name or re.fullmatch(re.escape(name) + r"\d+", package):
                return f"{package}-{packages[package]}"
    return None


@dataclass
class Group:
    """Names of one library in one directory: libssl.so.3, libssl.so.3.5.5 (one file)."""

    path: str
    names: list[str]
    confidence: str = "confirmed"
    sources: list[str] = field(default_factory=list)
    versions: list[str] | None = None
    series: dict[str, str] | None = None
    extra: list[str] | None = None
    package: str | None = None
    rule: str | None = None
    note: str | None = None

    def facts(self) -> tuple[Any, ...]:
        return (self.path, self.confidence, tuple(self.versions or ()),
                tuple(sorted((self.series or {}).items())), tuple(self.extra or ()),
                self.package, self.rule, self.note)


def _split(name: str) -> tuple[str, tuple[int, ...]] | None:
    match = _SO.match(name)
    if match is None or name.endswith(".hmac"):
        return None
    tail = match.group("tail").strip(".")
    return match.group("stem"), tuple(int(p) for p in tail.split(".")) if tail else ()


def library_groups(directory: str, names: Iterable[str]) -> list[Group]:
    """Shared-library names of one directory, grouped by stem and major version."""
    by_key: dict[tuple[str, int | None], list[str]] = {}
    majors: dict[str, set[int]] = {}
    parsed = [(name, _split(name)) for name in sorted(names)]
    for _name, split in parsed:
        if split is not None and split[1]:
            majors.setdefault(split[0], set()).add(split[1][0])
    for name, split in parsed:
        if split is None:
            continue
        stem, numbers = split
        if numbers:
            key: tuple[str, int | None] = (stem, numbers[0])
        else:  # the bare .so joins its library when there is only one major
            only = majors.get(stem, set())
            key = (stem, next(iter(only)) if len(only) == 1 else None)
        by_key.setdefault(key, []).append(name)
    return [Group(path=directory, names=sorted(names_, key=lambda n: (len(n), n)))
            for _, names_ in sorted(by_key.items(), key=lambda kv: (kv[0][0], kv[0][1] or -1))]


def _longest(group: Group) -> tuple[int, ...]:
    numbers = [_split(name) for name in group.names]
    return max((split[1] for split in numbers if split is not None), default=())


@dataclass(frozen=True)
class OsFacts:
    arch: str
    glibc: str | None
    gcc_major: int | None


def derive(group: Group, siblings: Sequence[str], os_facts: OsFacts, from_os: bool) -> None:
    """Set the group's version nodes where they follow from a version (else leave unknown)."""
    arch = os_facts.arch
    names = set(group.names)
    full = _longest(group)
    if names & _GLIBC_SONAMES and from_os and os_facts.glibc is not None:
        group.versions, group.rule = glibc_nodes(arch, os_facts.glibc), "derive.glibc"
    elif "libstdc++.so.6" in names and len(full) == 3 and full[:2] == (6, 0):
        group.versions, group.rule = libstdcxx_nodes(arch, full[2]), "derive.libstdcxx"
    elif "libgcc_s.so.1" in names or any(n.startswith("libgcc_s-") for n in names):
        major = next((int(m.group(1)) for n in siblings
                      if (m := re.fullmatch(r"libgcc_s-(\d+)-\d+\.so\.1", n))), None)
        major = major if major is not None else (os_facts.gcc_major if from_os else None)
        if major is not None and (nodes := libgcc_nodes(arch, major)) is not None:
            group.versions, group.rule = nodes, "derive.libgcc"
            if major > _LIBGCC_VERIFIED:
                group.confidence = "inferred"
                group.note = (f"GCC {major} libgcc_s nodes from GCC's map files, "
                              "not yet checked against a build")
    elif names & {"libssl.so.3", "libcrypto.so.3"} and len(full) == 3 and full[0] == 3:
        group.series, group.rule = {"OPENSSL_": f"3.{full[1]}.0"}, "derive.openssl"
    elif "libcrypt.so.1" in names and "libcrypt.so.1.1.0" in names:
        group.extra = ["XCRYPT_2.0"] + (["GLIBC_2.2.5"] if arch == "x86_64" else [])
        group.rule = "derive.xcrypt"
    elif "libcrypt.so.2" in names and "libcrypt.so.2.0.0" in names:
        group.extra, group.rule = ["XCRYPT_2.0"], "derive.xcrypt"
    elif "libz.so.1" in names and len(full) >= 3 and full[0] == 1:
        nodes = zlib_nodes(".".join(str(n) for n in full))
        if nodes is not None:
            group.versions, group.rule = nodes, "derive.zlib"
    if group.rule is not None and (group.versions is None and group.series is None
                                   and group.extra is None):
        group.rule = None


# ---- building the catalog documents ----------------------------------------------------------

@dataclass
class Context:
    dumps: Tree
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    listings: dict[str, Listing | None] = field(default_factory=dict)

    def cite(self, source_id: str, path: str, title: str) -> str:
        if source_id not in self.sources:
            self.sources[source_id] = self.dumps.origin(path).source(title)
        return source_id

    def listing(self, path: str) -> Listing | None:
        if path not in self.listings:
            text = self.dumps.read(path)
            self.listings[path] = None if text is None else Listing(text, path)
        return self.listings[path]


def _version_of(packages: Mapping[str, str], name: str) -> str | None:
    for package in sorted(packages):
        if package == name or re.fullmatch(re.escape(name) + r"\d+", package):
            return packages[package].split("-")[0]
    return None


@dataclass
class OsBuild:
    os_id: str
    arches: list[str]
    doc: dict[str, Any]
    groups: dict[str, list[Group]]  # arch -> groups on the OS dirs
    facts: dict[str, OsFacts]
    executables: dict[str, list[str]]


def build_os(ctx: Context, os_id: str) -> OsBuild:
    base = f"dockerfiles/{OS_DUMP_DIRS[os_id]}"
    arches, groups, facts, execs = [], {}, {}, {}
    glibc: dict[str, str] = {}
    cxx: dict[str, str] = {}
    os_sources: list[str] = []
    for arch in ARCHES:
        listing = ctx.listing(f"{base}/fs-{arch}.txt")
        if listing is None:
            continue
        pkg_path = f"{base}/packages-{arch}.txt"
        pkg_text = ctx.dumps.read(pkg_path)
        if pkg_text is None:
            raise GenerateError(f"{pkg_path}: missing (the listing {base}/fs-{arch}.txt has no "
                                "package list)")
        packages = parse_packages(pkg_text, pkg_path)
        _check_os_listing(listing, packages, f"{base}/fs-{arch}.txt", pkg_path)
        fs_id = ctx.cite(f"lambda-fs.{os_id}.{arch}", f"{base}/fs-{arch}.txt",
                         f"File list of the {OS_NAMES[os_id]} Lambda environment ({arch}), dumped "
                         "from a live function")
        pkg_id = ctx.cite(f"lambda-rpm.{os_id}.{arch}", pkg_path,
                          f"rpm -qa of the {OS_NAMES[os_id]} Lambda environment ({arch})")
        os_sources += [fs_id, pkg_id]
        arches.append(arch)
        glibc_version = _version_of(packages, "glibc")
        if glibc_version is None:
            raise GenerateError(f"{pkg_path}: no glibc package")
        glibc[arch] = glibc_version
        cxx_version = _version_of(packages, "libstdc++")
        if cxx_version is not None:
            cxx[arch] = cxx_version
        gcc = _version_of(packages, "libgcc")
        facts[arch] = OsFacts(arch, glibc_version, int(gcc.split(".")[0]) if gcc else None)
        groups[arch] = _os_groups(listing, arch, packages, facts[arch], fs_id, pkg_id)
        for group in groups[arch]:
            hand = [OS_LIBRARY_EXTRA.get(os_id, {}).get(name) for name in group.names]
            known = next((h for h in hand if h is not None), None)
            if known is not None and group.versions is None and group.series is None \
                    and group.extra is None:
                group.extra, group.confidence = list(known[0]), "inferred"
                group.sources = [*group.sources, *known[1]]
        execs[arch] = [f"/{d}/{n}" for d in ("bin", "usr/bin", "usr/local/bin") for n in SHELLS
                       if listing.exists(f"{d}/{n}")]
    if not arches:
        raise GenerateError(f"{base}: no fs-<arch>.txt listing")
    if cxx and set(cxx) != set(arches):
        lacking = [arch for arch in arches if arch not in cxx]
        raise GenerateError(f"{base}/packages-{lacking[0]}.txt: no libstdc++ package, though "
                            f"packages-{next(iter(cxx))}.txt has one: the list is truncated; "
                            "fetch it again")
    for what, values in (("glibc", glibc), ("libstdc++", cxx)):
        if len(set(values.values())) > 1:
            raise GenerateError(f"{base}: {what} differs between architectures: {values}")
    doc: dict[str, Any] = {
        "name": OS_NAMES[os_id], "sources": os_sources, "arches": arches,
        "inventory_complete": True, "library_dir": "/lib64",
        "ld_library_path": list(LD_LIBRARY_PATH),
        "glibc": {"value": glibc[arches[0]], "sources": os_sources[1::2],
                  "confidence": "confirmed"},
    }
    if cxx:
        doc["libstdcxx"] = {"value": cxx[arches[0]], "sources": os_sources[1::2],
                            "confidence": "confirmed"}
    common = [e for e in execs[arches[0]] if all(e in execs[a] for a in arches)]
    doc["executables"] = common
    notes, cited = OS_NOTES.get(os_id, ((), ()))
    doc["sources"] = os_sources + list(cited)
    doc["notes"] = [(f"Library inventory: the complete file lists of {', '.join(arches)} "
                     "dumped in live Lambda functions; a soname not listed is not on the "
                     "runtime."), *notes]
    arch_tables = {a: {"executables": [e for e in execs[a] if e not in common]}
                   for a in arches if any(e not in common for e in execs[a])}
    if arch_tables:
        doc["arch"] = arch_tables
    return OsBuild(os_id, arches, doc, groups, facts, execs)


def _os_groups(listing: Listing, arch: str, packages: Mapping[str, str], facts: OsFacts,
               fs_id: str, pkg_id: str) -> list[Group]:
    seen: dict[str, Group] = {}
    result: list[Group] = []
    dirs = list(OS_DIRS)
    interp = INTERPRETERS[arch]
    for directory in ("/lib64", "/usr/lib64", "/lib", "/usr/lib"):
        if listing.exists(f"{directory}/{interp}") and listing.resolve(directory) not in {
                listing.resolve(d) for d in OS_DIRS}:
            dirs.append(directory)  # the program interpreter (PT_INTERP) lives here
            break
    resolved: set[str] = set()
    for directory in dirs:
        real = listing.resolve(directory)
        if real in resolved:
            continue
        resolved.add(real)
        names = listing.files_in(directory)
        if directory not in OS_DIRS:
            names = [interp]
        for group in library_groups(directory, names):
            if _place(group, seen, result):
                stem = group.names[0].split(".so")[0]
                group.package = package_of(stem, packages)
                group.sources = [fs_id] + ([pkg_id] if group.package else [])
                derive(group, names, facts, from_os=True)
    return result


def _place(group: Group, seen: dict[str, Group], result: list[Group]) -> bool:
    """Add group unless an earlier directory already has its names (the loader picks that)."""
    shadowed = [name for name in group.names if name in seen]
    for name in shadowed:
        first = seen[name]
        extra = f"{group.path}/{name} is shadowed by this one"
        first.note = f"{first.note}; {extra}" if first.note else extra
    group.names = [name for name in group.names if name not in seen]
    if not group.names:
        return False
    result.append(group)
    for name in group.names:
        seen[name] = group
    return True


def _emit_groups(per_arch: Mapping[str, list[Group]], all_arches: Sequence[str],
                 default_path: str) -> list[dict[str, Any]]:
    """Groups with equal facts across arches become one table; equal facts merge sonames."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for arch in all_arches:
        for group in per_arch.get(arch, []):
            key = (group.facts(), tuple(group.names))
            entry = merged.setdefault(key, {"group": group, "arches": [], "sources": []})
            entry["arches"].append(arch)
            entry["sources"] += [s for s in group.sources if s not in entry["sources"]]
    # fold tables of equal facts, arches and sources into one (glibc's many sonames)
    folded: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in merged.values():
        first: Group = entry["group"]
        fold = (first.facts(), tuple(entry["arches"]), tuple(entry["sources"]))
        if fold in folded:
            folded[fold]["sonames"] += first.names
        else:
            folded[fold] = {"sonames": list(first.names), "entry": entry}
    tables = []
    for value in folded.values():
        entry, lib = value["entry"], value["entry"]["group"]
        table: dict[str, Any] = {"sonames": value["sonames"]}
        if tuple(entry["arches"]) != tuple(all_arches):
            table["arches"] = entry["arches"]
        table["confidence"] = lib.confidence
        table["sources"] = entry["sources"] + ([lib.rule] if lib.rule else [])
        if lib.path != default_path:
            table["path"] = lib.path
        if lib.package:
            table["package"] = lib.package
        for name in ("versions", "series", "extra", "note"):
            if getattr(lib, name) is not None:
                table[name] = getattr(lib, name)
        tables.append(table)
    order = {path: i for i, path in enumerate(LD_LIBRARY_PATH)}
    tables.sort(key=lambda t: (order.get(t.get("path", default_path), 99),
                               t.get("path", default_path), t["sonames"][0]))
    return tables


def build_runtime(ctx: Context, spec: RuntimeSpec, os_build: OsBuild,
                  lifecycle: Mapping[str, Any], lifecycle_id: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"os": spec.os, "family": spec.family}
    if spec.language_version:
        doc["language_version"] = spec.language_version
    per_arch: dict[str, list[Group]] = {}
    execs: dict[str, list[str]] = {}
    sources: list[str] = []
    arches = [arch for arch in spec.arches if arch in os_build.arches]
    if spec.listing:
        arches = []
        for arch in ARCHES:
            path = f"dockerfiles/{spec.name}/fs-{arch}.txt"
            listing = ctx.listing(path)
            if listing is None:
                continue
            if arch not in os_build.arches:
                raise GenerateError(f"{path}: {spec.os} has no {arch} listing")
            _check_runtime_listing(listing, spec, path)
            arches.append(arch)
            fs_id = ctx.cite(f"lambda-fs.{spec.name}.{arch}", path,
                             f"File list of /var/lang and /var/runtime of {spec.name} ({arch}), "
                             "dumped from a live function")
            sources.append(fs_id)
            per_arch[arch] = _runtime_groups(listing, os_build, arch, fs_id)
            for group in per_arch[arch]:
                for soname, (series, cited) in (spec.library_series or {}).items():
                    if soname in group.names and group.series is None and not group.versions:
                        group.series, group.confidence = dict(series), "inferred"
                        group.sources = [*group.sources, cited]
            execs[arch] = [f"/var/lang/bin/{name}" for name in listing.files_in("/var/lang/bin")
                           if not re.search(r"\.(txt|py|pyc|md|json)$|^__", name)]
        if not arches:
            raise GenerateError(f"dockerfiles/{spec.name}: no fs-<arch>.txt listing")
        _check_os(ctx, spec)
    doc["arches"] = arches
    if spec.images:
        doc["images"] = {arch: spec.images[arch] for arch in arches}
    else:
        doc["image"] = spec.image
    doc["sources"] = sources + [spec.image_source] + (["S51"] if not spec.listing else []) + [
        s for s in ctx.sources if s.startswith(f"lambda-image.{spec.name}")] + [
        s for s in spec.sources if s not in sources]
    doc["confidence"] = spec.confidence
    if not spec.listing and spec.family != "provided":  # provided: the OS is all there is
        doc["inventory_complete"] = False
    if spec.preview:
        doc["preview"] = True
    common = [e for e in execs.get(arches[0], []) if all(e in execs[a] for a in arches)]
    common += [e for e in spec.executables if e not in common]
    if common:
        doc["executables"] = common
    notes = list(spec.notes)
    if spec.preview:
        notes.append(f"{spec.name} is a preview runtime (image {spec.image}).")
    if not spec.listing and spec.family != "provided":
        notes.append(f"No file list of {spec.name}'s /var/lang was found: the libraries it "
                     "bundles are unknown, so a soname missing from the OS is not proof.")
    if notes:
        doc["notes"] = notes
    tables = _emit_groups(per_arch, arches, "/var/lang/lib")
    if tables:
        doc["libraries"] = tables
    entry = lifecycle.get(spec.name)
    if isinstance(entry, dict) and entry.get("deprecated") and lifecycle_id is not None:
        deprecation: dict[str, Any] = {"date": _date(entry["deprecated"], spec.name)}
        for key, ours in (("create-block", "block_create"), ("update-block", "block_update")):
            if entry.get(key):
                deprecation[ours] = _date(entry[key], spec.name)
        deprecation["sources"] = [lifecycle_id]
        deprecation["confidence"] = "confirmed"
        doc["deprecation"] = deprecation
    elif spec.deprecation is not None:
        doc["deprecation"] = dict(spec.deprecation)
    return doc


def _date(text: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise GenerateError(f"lifecycle: {name}: '{text}' is not a date") from None


def _check_os(ctx: Context, spec: RuntimeSpec) -> None:
    """The dump's Dockerfile builds on the OS image the table names (a cross-check)."""
    path = f"dockerfiles/{spec.name}/run/Dockerfile"
    text = ctx.dumps.read(path)
    if text is None:
        return
    images = re.findall(r"amazonlinux/amazonlinux:(\S+)", text)
    wanted = OS_IMAGES[spec.os].split(":")[1]
    if images and wanted not in images:
        raise GenerateError(f"{path}: builds on amazonlinux:{images[0]}, but {spec.name} is "
                            f"listed on {spec.os}")
    if images:
        ctx.cite(f"lambda-image.{spec.name}", path,
                 f"Dockerfile of the {spec.name} dump: built on amazonlinux:{wanted}")


def _runtime_groups(listing: Listing, os_build: OsBuild, arch: str, fs_id: str) -> list[Group]:
    seen: dict[str, Group] = {}
    result: list[Group] = []
    facts = os_build.facts[arch]
    os_groups = os_build.groups[arch]
    os_names = {name: group for group in os_groups for name in group.names}
    for directory in RUNTIME_FIRST:
        names = listing.files_in(directory)
        for group in library_groups(directory, names):
            for name in group.names:
                if name in os_names:
                    shadow = os_names[name]
                    where = f"{shadow.path}/{shadow.names[-1]}"
                    group.note = f"shadows the OS's {where}" if group.note is None else group.note
            _place(group, seen, result)
            group.sources = [fs_id]
            derive(group, names, facts, from_os=False)
    for directory in RUNTIME_LAST:
        names = listing.files_in(directory)
        for group in library_groups(directory, names):
            hidden = [n for n in group.names if n in os_names]
            group.names = [n for n in group.names if n not in os_names]  # the OS copy wins
            if hidden and group.names:
                group.note = f"{', '.join(hidden)} here is shadowed by the OS's"
            _place(group, seen, result)
            group.sources = [fs_id]
            derive(group, names, facts, from_os=False)
    return result


# ---- TOML output -----------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any, indent: int = 0) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, date)):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        items = [_value(v) for v in value]
        one = "[" + ", ".join(items) + "]"
        if len(one) + indent <= 96:
            return one
        lines, line = [], "  "
        for item in items:
            if len(line) + len(item) + 2 > 96 and line.strip():
                lines.append(line.rstrip())
                line = "  "
            line += item + ", "
        lines.append(line.rstrip())
        return "[\n" + "\n".join(lines) + "\n]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _write_table(header: str, table: Mapping[str, Any], out: list[str],
                 inline_keys: frozenset[str]) -> None:
    simple = {k: v for k, v in table.items()
              if not (isinstance(v, dict) and k not in inline_keys)
              and not (isinstance(v, list) and v and isinstance(v[0], dict))}
    out.append(f"[{header}]")
    for key, value in simple.items():
        out.append(f"{_key(key)} = {_value(value, len(key) + 3)}")
    out.append("")
    for key, value in table.items():
        if key in simple:
            continue
        if isinstance(value, dict):
            if all(isinstance(v, dict) for v in value.values()):
                for sub, subtable in value.items():
                    _write_table(f"{header}.{_key(key)}.{_key(sub)}", subtable, out, inline_keys)
            else:
                _write_table(f"{header}.{_key(key)}", value, out, inline_keys)
        else:
            for item in value:
                _write_array_item(f"{header}.{_key(key)}", item, out)


def _write_array_item(header: str, table: Mapping[str, Any], out: list[str]) -> None:
    out.append(f"[[{header}]]")
    for key, value in table.items():
        out.append(f"{_key(key)} = {_value(value, len(key) + 3)}")
    out.append("")


INLINE = frozenset({"series", "images"})


def to_toml(comment: str, section: str, entries: Mapping[str, Mapping[str, Any]]) -> str:
    out = [f"# {line}" if line else "#" for line in comment.splitlines()]
    out += ["# Generated by scripts/generate_catalog.py: do not edit; regenerate.", ""]
    for name, table in entries.items():
        _write_table(f"{section}.{_key(name)}", table, out, INLINE)
    return "\n".join(out).rstrip("\n") + "\n"


# ---- the whole run ---------------------------------------------------------------------------

def generate(dumps: Tree, lifecycle_tree: Tree | None, lifecycle_path: str,
             only: Sequence[str] | None = None, ctx: Context | None = None) -> dict[str, str]:
    """The catalog files: relative path -> text."""
    ctx = Context(dumps) if ctx is None else ctx
    lifecycle: Mapping[str, Any] = {}
    lifecycle_id = None
    if lifecycle_tree is not None:
        text = lifecycle_tree.read(lifecycle_path)
        if text is None:
            raise GenerateError(f"lifecycle: {lifecycle_path} is missing")
        try:
            lifecycle = json.loads(text)
        except json.JSONDecodeError as err:
            raise GenerateError(f"lifecycle: {lifecycle_path}: invalid JSON: {err}") from None
        if not isinstance(lifecycle, dict):
            raise GenerateError(f"lifecycle: {lifecycle_path}: expected an object")
        lifecycle_id = "lifecycle"
        ctx.sources[lifecycle_id] = lifecycle_tree.origin(lifecycle_path).source(
            "cfn-lint's copy of the Lambda runtime lifecycle table: deprecated, create-block "
            "and update-block date per runtime identifier")
    specs = [s for s in RUNTIMES if only is None or s.name in only]
    unknown = sorted(set(only or ()) - {s.name for s in RUNTIMES})
    if unknown:
        raise GenerateError(f"--runtimes: unknown runtime '{unknown[0]}'")
    oses = {os_id: build_os(ctx, os_id) for os_id in sorted({s.os for s in specs})}
    files: dict[str, str] = {}
    for os_id, build in oses.items():
        build.doc["libraries"] = _emit_groups(build.groups, build.arches, "/lib64")
        files[f"os/{os_id}.toml"] = to_toml(
            f"{OS_NAMES[os_id]} as the Lambda runtimes see it, from the live file lists.\n"
            "Format: see ../README.md.", "os", {os_id: build.doc})
    for spec in specs:
        doc = build_runtime(ctx, spec, oses[spec.os], lifecycle, lifecycle_id)
        files[f"{spec.name}.toml"] = to_toml(
            f"{spec.name}: {spec.family} on {OS_NAMES[spec.os]}.\nFormat: see README.md.",
            "runtime", {spec.name: doc})
    used = {s for text in files.values() for s in re.findall(r'"([^"]+)"', text)}
    hand = {k: v for k, v in HAND_SOURCES.items() if k in used}
    files["sources.toml"] = to_toml(
        "Sources cited by the generated catalog: each dump file with its repository, commit,\n"
        "path and the date it was dumped; the hand-kept facts and the derivation rules.\n"
        "Format: see README.md.", "sources",
        dict(sorted({**ctx.sources, **hand}.items())))
    return files


class RecordingTree(Tree):
    """Another tree, remembering what was read (for --write-inputs)."""

    def __init__(self, inner: Tree) -> None:
        self.inner = inner
        self.texts: dict[str, str | None] = {}

    def read(self, path: str) -> str | None:
        if path not in self.texts:
            self.texts[path] = self.inner.read(path)
        return self.texts[path]

    def origin(self, path: str) -> Origin:
        return self.inner.origin(path)


def _source_file(tree: Tree, paths: Iterable[str], repository: str, commit: str,
                 note: str) -> str:
    lines = [f"# {note}", f"repository = {json.dumps(repository)}",
             f"commit = {json.dumps(commit)}", "", "[files]"]
    for path in sorted(paths):
        origin = tree.origin(path)
        lines.append(f"{json.dumps(path)} = {{ commit = {json.dumps(origin.commit)}, "
                     f"dumped = {json.dumps(origin.dumped)} }}")
    return "\n".join(lines) + "\n"


def inputs(dumps: Tree, lifecycle_tree: Tree, lifecycle_path: str) -> dict[str, str]:
    """The generator's whole input, trimmed to what it reads: relative path -> text.

    Running the generator on these files gives the same catalog as on the full checkouts.
    """
    recording = RecordingTree(dumps)
    ctx = Context(recording)
    generate(recording, lifecycle_tree, lifecycle_path, ctx=ctx)
    files: dict[str, str] = {}
    for path, text in sorted(recording.texts.items()):
        if text is None:
            continue
        listing = ctx.listings.get(path)
        if listing is not None:
            files[f"docker-lambda/{path}"] = listing.trimmed()
        elif path.endswith("/Dockerfile"):  # only the base image lines are read
            files[f"docker-lambda/{path}"] = "".join(
                f"{line}\n" for line in text.splitlines() if "amazonlinux/amazonlinux:" in line)
        else:
            files[f"docker-lambda/{path}"] = text
    read = [path for path, text in recording.texts.items() if text is not None]
    commit = getattr(dumps, "commit", "")
    files["docker-lambda/SOURCE"] = _source_file(
        dumps, read, getattr(dumps, "repository", DUMPS_REPOSITORY), commit,
        "Written by scripts/generate_catalog.py --write-inputs: the lines of each file the "
        "generator reads (MIT, shogo82148/docker-lambda).")
    text = lifecycle_tree.read(lifecycle_path) or "{}"
    table = json.loads(text)
    names = {spec.name for spec in RUNTIMES}
    kept = {name: entry for name, entry in table.items() if name in names}
    files[f"cfn-lint/{lifecycle_path}"] = json.dumps(kept, indent=2, sort_keys=True) + "\n"
    files["cfn-lint/SOURCE"] = _source_file(
        lifecycle_tree, [lifecycle_path],
        getattr(lifecycle_tree, "repository", LIFECYCLE_REPOSITORY),
        getattr(lifecycle_tree, "commit", ""),
        "Written by scripts/generate_catalog.py --write-inputs: the entries of the runtimes "
        "the generator knows (MIT-0, aws-cloudformation/cfn-lint).")
    return files


def write(files: Mapping[str, str], out: Path) -> None:
    for relative, text in sorted(files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dumps", type=Path, required=True,
                        help="docker-lambda: a git dir, or a directory with a SOURCE file")
    parser.add_argument("--dumps-commit", default="HEAD")
    parser.add_argument("--dumps-repository", default=DUMPS_REPOSITORY)
    parser.add_argument("--lifecycle", type=Path, required=True,
                        help="cfn-lint: a git dir, or LmbdRuntimeLifecycle.json with a SOURCE file")
    parser.add_argument("--lifecycle-commit", default="HEAD")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--runtimes", help="comma-separated runtime names (default: all)")
    parser.add_argument("--write-inputs", type=Path, metavar="DIR",
                        help="write the inputs, trimmed to the lines read, with their SOURCE "
                             "files to DIR (docker-lambda/, cfn-lint/) instead of the catalog")
    args = parser.parse_args(argv)
    if args.out is None and args.write_inputs is None:
        parser.error("one of --out or --write-inputs is required")
    try:
        dumps = open_tree(args.dumps, args.dumps_commit, args.dumps_repository)
        lifecycle, path = open_lifecycle(args.lifecycle, args.lifecycle_commit)
        only = args.runtimes.split(",") if args.runtimes else None
        if args.write_inputs is not None:
            files = inputs(dumps, lifecycle, path)
            write(files, args.write_inputs)
            print(f"wrote {len(files)} files to {args.write_inputs}")
            return 0
        files = generate(dumps, lifecycle, path, only)
        write(files, args.out)
    except GenerateError as err:
        print(f"generate_catalog: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"generate_catalog: {err}", file=sys.stderr)
        return 2
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
