"""Can this host run another architecture's binaries? Read binfmt_misc, judge nothing else.

A container for another architecture runs under QEMU user emulation only when the kernel has a
binfmt_misc handler for that architecture's ELF files, and only when the handler was
registered with the F flag ("fix binary": the kernel opens the interpreter at registration, so
containers that do not carry qemu can use it). Pure: a binfmt_misc directory (or unpacked
files) in, facts out.
The directory is the local kernel's; it tells about the engine only when the engine runs here.
"""

from __future__ import annotations

import platform
from pathlib import Path

from checker.lambda_env import EXTENSIONS_DIR, OPT_BOOTSTRAP, TASK_BOOTSTRAP, Arch
from checker.records import record

BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")
_ELF_MACHINES = {"arm64": 0xB7, "x86_64": 0x3E}  # e_machine: EM_AARCH64, EM_X86_64
_E_MACHINE_OFFSET = 18
_ELFCLASS64_OFFSET = 4
_NOT_HANDLERS = frozenset({"register", "status"})


@record
class BinfmtHandler:
    """One entry of binfmt_misc (/proc/sys/fs/binfmt_misc/NAME)."""

    name: str
    enabled: bool
    interpreter: str
    flags: str
    offset: int
    magic: bytes
    mask: bytes

    def matches_elf64(self, machine: int) -> bool:
        """Whether it claims 64-bit little-endian ELF files for e_machine `machine`."""
        if self.offset != 0 or len(self.magic) < _E_MACHINE_OFFSET + 2:
            return False
        wanted = {_ELFCLASS64_OFFSET: 2, _E_MACHINE_OFFSET: machine, _E_MACHINE_OFFSET + 1: 0}
        mask = self.mask or b"\xff" * len(self.magic)
        return all(self.magic[i] & mask[i] == value & mask[i] for i, value in wanted.items())


def elf_arch(header: bytes) -> str | None:
    """The Lambda architecture of a 64-bit little-endian ELF file from its first 20 bytes."""
    if len(header) < _E_MACHINE_OFFSET + 2 or header[:4] != b"\x7fELF":
        return None
    if header[_ELFCLASS64_OFFSET] != 2 or header[5] != 1:
        return None
    machine = int.from_bytes(header[_E_MACHINE_OFFSET:_E_MACHINE_OFFSET + 2], "little")
    return next((arch for arch, value in _ELF_MACHINES.items() if value == machine), None)


def host_arch() -> str:
    """This machine's architecture in Lambda's words ("x86_64", "arm64")."""
    machine = platform.machine().lower()
    return Arch.lambda_name(machine)


def parse_handler(name: str, text: str) -> BinfmtHandler | None:
    """An entry's file, as the kernel writes it; None for one that is not a magic handler."""
    fields: dict[str, str] = {}
    enabled = False
    for line in text.splitlines():
        if line.strip() in ("enabled", "disabled"):
            enabled = line.strip() == "enabled"
            continue
        key, _, value = line.partition(" ")
        fields[key] = value.strip()
    try:
        magic = bytes.fromhex(fields["magic"])
        mask = bytes.fromhex(fields.get("mask", ""))
        offset = int(fields.get("offset", "0"))
    except (KeyError, ValueError):
        return None
    flags = fields.get("flags:", fields.get("flags", "")).strip()
    return BinfmtHandler(name, enabled, fields.get("interpreter", ""), flags, offset, magic, mask)


def read_handlers(binfmt_dir: Path | None = None) -> tuple[BinfmtHandler, ...]:
    """Every magic handler registered in `binfmt_dir` (none when it is not mounted)."""
    try:
        entries = sorted((binfmt_dir or BINFMT_DIR).iterdir())
    except OSError:
        return ()
    found = []
    for entry in entries:
        if entry.name in _NOT_HANDLERS:
            continue
        try:
            handler = parse_handler(entry.name, entry.read_text())
        except OSError:
            continue
        if handler is not None:
            found.append(handler)
    return tuple(found)


def binfmt_enabled(binfmt_dir: Path | None = None) -> bool:
    try:
        return ((binfmt_dir or BINFMT_DIR) / "status").read_text().strip() == "enabled"
    except OSError:
        return False


def install_hint(arch: str) -> str:
    return (f"install a QEMU handler: apt-get install qemu-user-static binfmt-support (Debian, "
            f"Ubuntu), or docker run --privileged --rm tonistiigi/binfmt --install {arch}")


def emulation_problem(arch: str, host: str, binfmt_dir: Path | None = None) -> str | None:
    """None when `arch` binaries can run on a `host` machine (natively or under QEMU), else
    one line saying why not and how to fix it."""
    if arch == host:
        return None
    machine = _ELF_MACHINES.get(arch)
    if machine is None:
        return f"{arch} binaries cannot be emulated (unknown architecture)"
    qemu = Arch.gnu_of(arch)
    handlers = [h for h in read_handlers(binfmt_dir) if h.matches_elf64(machine)]
    if not handlers or not binfmt_enabled(binfmt_dir):
        return (f"no binfmt_misc handler for {qemu}: {arch} targets cannot run on this {host} "
                f"host; {install_hint(arch)}")
    usable = [h for h in handlers if h.enabled]
    if not usable:
        return (f"the binfmt_misc handler {handlers[0].name} for {qemu} is disabled; enable it "
                f"(update-binfmts --enable {handlers[0].name}) or {install_hint(arch)}")
    if not any("F" in h.flags for h in usable):
        return (f"the binfmt_misc handler {usable[0].name} for {qemu} lacks the F flag, so "
                f"containers cannot reach {usable[0].interpreter}; re-register it: "
                f"docker run --privileged --rm tonistiigi/binfmt --install {arch}")
    return None


def emulated_arches(host: str, binfmt_dir: Path | None = None) -> tuple[str, ...]:
    """The other architectures whose binaries this host runs under QEMU."""
    return tuple(arch for arch in _ELF_MACHINES
                 if arch != host and emulation_problem(arch, host, binfmt_dir) is None)


FOREIGN_EXECUTABLE_NOTE = (
    "{path} is an {arch} binary: it ran here under QEMU (binfmt_misc), but Lambda cannot run it "
    "on this architecture (the static architecture check is the authority)"
)


def foreign_executable_notes(task_dir: Path, opt_dir: Path, foreign_arches: tuple[str, ...],
                             ) -> tuple[str, ...]:
    """A note for each bootstrap or extension (unpacked in task_dir / opt_dir) built for an
    architecture the kernel runs under QEMU: it runs here, where Lambda cannot start it."""
    if not foreign_arches:
        return ()
    candidates = [(TASK_BOOTSTRAP, task_dir / "bootstrap"), (OPT_BOOTSTRAP, opt_dir / "bootstrap")]
    extensions = opt_dir / "extensions"
    if extensions.is_dir():
        candidates += [(f"{EXTENSIONS_DIR}/{path.name}", path)
                       for path in sorted(extensions.iterdir())]
    notes = []
    for shown, path in candidates:
        arch = _elf_arch_of(path)
        if arch in foreign_arches:
            notes.append(FOREIGN_EXECUTABLE_NOTE.format(path=shown, arch=arch))
    return tuple(notes)


def _elf_arch_of(path: Path) -> str | None:
    try:
        with path.open("rb") as stream:
            return elf_arch(stream.read(_E_MACHINE_OFFSET + 2))
    except OSError:
        return None
