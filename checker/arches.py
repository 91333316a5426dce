"""Architecture names: Lambda's ("x86_64", "arm64") and what other tools call them.

The GNU/kernel name ("aarch64") is what manylinux tags, multiarch directories, QEMU and zig use;
OCI/Docker platforms say "amd64"; engines and `uname -m` may say either.
"""

from __future__ import annotations

_GNU_MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
_OCI_ARCHES = {"x86_64": "amd64", "arm64": "arm64"}
_ALIASES = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}


def lambda_arch(name: str) -> str:
    """Lambda's name for an architecture another tool names ("amd64" -> "x86_64"); unknown
    names come back as they are."""
    return _ALIASES.get(name, name)


def gnu_machine(arch: str) -> str:
    """The GNU machine name of a Lambda architecture ("arm64" -> "aarch64")."""
    return _GNU_MACHINES.get(arch, arch)


def oci_arch(arch: str) -> str:
    """The OCI/Docker platform architecture of a Lambda architecture ("x86_64" -> "amd64")."""
    return _OCI_ARCHES.get(arch, arch)


def multiarch_triplet(arch: str) -> str:
    """Debian's multiarch directory name ("aarch64-linux-gnu")."""
    return f"{gnu_machine(arch)}-linux-gnu"
