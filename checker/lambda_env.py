"""Lambda's execution environment: its architectures and what other tools call them, the paths a
function is assembled from, the variables Lambda sets and the function defaults. Nothing else in
checker/ spells these (the runtimes/ data keep their own spelling: they are data).

Architectures: Lambda says "x86_64" and "arm64". The GNU/kernel name ("aarch64") is what
manylinux tags, multiarch directories, QEMU and zig use; OCI/Docker platforms say "amd64";
engines and `uname -m` may say either.
"""

from __future__ import annotations

from enum import Enum

from checker.errors import UsageError


class Arch(str, Enum):
    """A Lambda architecture; its value is Lambda's name, so it compares equal to that string."""

    X86_64 = "x86_64"
    ARM64 = "arm64"

    def __str__(self) -> str:
        return self.value

    def __format__(self, format_spec: str) -> str:
        return format(self.value, format_spec)

    @property
    def gnu(self) -> str:
        """The GNU machine name ("aarch64")."""
        return _GNU[self]

    @property
    def oci(self) -> str:
        """The OCI/Docker platform architecture ("amd64")."""
        return _OCI[self]

    @property
    def platform(self) -> str:
        """The engine's platform string ("linux/amd64")."""
        return f"linux/{self.oci}"

    @property
    def multiarch(self) -> str:
        """Debian's multiarch directory name ("aarch64-linux-gnu")."""
        return f"{self.gnu}-linux-gnu"

    @classmethod
    def lookup(cls, name: str) -> Arch | None:
        """The architecture `name` means, in Lambda's words or another tool's ("amd64",
        "aarch64"); None for any other name."""
        return _ALIASES.get(name)

    @classmethod
    def parse(cls, name: str) -> Arch:
        """The architecture a user typed, aliases accepted; a UsageError for any other name."""
        arch = cls.lookup(name)
        if arch is None:
            raise UsageError(f"unknown architecture {name!r}",
                             hint=f"use --arch {' or '.join(a.value for a in cls)}")
        return arch

    @classmethod
    def lambda_name(cls, name: str) -> str:
        """Lambda's name for an architecture another tool names ("amd64" -> "x86_64"); unknown
        names come back as they are."""
        arch = cls.lookup(name)
        return arch.value if arch is not None else name

    @classmethod
    def gnu_of(cls, name: str) -> str:
        """The GNU machine name of a Lambda architecture name ("arm64" -> "aarch64"); other
        names come back as they are."""
        arch = _BY_VALUE.get(name)
        return arch.gnu if arch is not None else name

    @classmethod
    def oci_of(cls, name: str) -> str:
        """The OCI architecture of a Lambda architecture name ("x86_64" -> "amd64"); other
        names come back as they are."""
        arch = _BY_VALUE.get(name)
        return arch.oci if arch is not None else name

    @classmethod
    def multiarch_dirs_of(cls, name: str) -> tuple[str, str]:
        """The loader's multiarch directories on Debian-style systems for a Lambda architecture
        name ("/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"); for another name, that
        name's."""
        arch = _BY_VALUE.get(name)
        triplet = arch.multiarch if arch is not None else f"{name}-linux-gnu"
        return f"/lib/{triplet}", f"/usr/lib/{triplet}"


_GNU = {Arch.X86_64: "x86_64", Arch.ARM64: "aarch64"}
_OCI = {Arch.X86_64: "amd64", Arch.ARM64: "arm64"}
_BY_VALUE = {arch.value: arch for arch in Arch}
_ALIASES = {**_BY_VALUE, "amd64": Arch.X86_64, "aarch64": Arch.ARM64}

ARCH_NAMES = tuple(arch.value for arch in Arch)  # Lambda's names, x86_64 first
DEFAULT_ARCH = Arch.X86_64

# Where Lambda puts the function: the artifact at TASK_ROOT, the layers at OPT, the managed
# runtime at RUNTIME_DIR; the language itself in LANG_DIR.
TASK_ROOT = "/var/task"
OPT = "/opt"
RUNTIME_DIR = "/var/runtime"
LANG_DIR = "/var/lang"
EXTENSIONS_DIR = "/opt/extensions"
# What Lambda starts: a custom runtime's bootstrap, searched in this order, else the managed
# runtime's own.
TASK_BOOTSTRAP = "/var/task/bootstrap"
OPT_BOOTSTRAP = "/opt/bootstrap"
RUNTIME_BOOTSTRAP = "/var/runtime/bootstrap"
CUSTOM_BOOTSTRAPS = (TASK_BOOTSTRAP, OPT_BOOTSTRAP)
BOOTSTRAPS = (*CUSTOM_BOOTSTRAPS, RUNTIME_BOOTSTRAP)

# PATH and LD_LIBRARY_PATH as Lambda sets them (the catalog's ld_library_path, per OS, wins for
# a runtime that has one).
PATH_DIRS = ("/var/lang/bin", "/usr/local/bin", "/usr/bin", "/bin", "/opt/bin")
PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"  # Lambda's spelling, "/usr/bin/"
LD_LIBRARY_PATH_DIRS = ("/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime",
                        "/var/runtime/lib", "/var/task", "/var/task/lib", "/opt/lib")
LD_LIBRARY_PATH = ":".join(LD_LIBRARY_PATH_DIRS)
# The loader's own default directories on Lambda's Amazon Linux (after LD_LIBRARY_PATH).
SYSTEM_LIBRARY_DIRS = ("/lib64", "/usr/lib64")
# ... and on other glibc systems, after the multiarch ones (Arch.multiarch).
GENERIC_LIBRARY_DIRS = ("/lib", "/usr/lib")

# A function's settings when nothing sets them, and their ranges.
DEFAULT_MEMORY_MB = 128
MEMORY_RANGE_MB = (128, 10240)
DEFAULT_TIMEOUT_S = 3.0
TIMEOUT_RANGE_S = (1, 900)
DEFAULT_EPHEMERAL_MB = 512
EPHEMERAL_RANGE_MB = (512, 10240)
