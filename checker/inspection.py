"""`lambdacheck inspect`: ELF facts of one file, or of every ELF inside a ZIP or folder."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from checker.artifact.reader import scan_artifact
from checker.elf import ELF_MAGIC, ElfError, read_elf
from checker.errors import InputError
from checker.facts import ArtifactRole
from checker.report.elf_text import render_elf


def inspect_path(path: Path, out: TextIO) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_file() and _starts_with_elf_magic(path):
        try:
            with path.open("rb") as stream:
                facts = read_elf(stream)
        except ElfError as err:
            raise InputError(f"{path}: not a readable ELF file ({err})") from None
        render_elf(str(path), facts, out)
        return
    artifact = scan_artifact(path, ArtifactRole.FUNCTION)
    shown = 0
    for file in artifact.files:
        if file.elf is not None:
            render_elf(file.path, file.elf, out)
            shown += 1
        elif file.elf_error is not None:
            out.write(f"{file.path}\n  unreadable ELF: {file.elf_error}\n")
            shown += 1
    if shown == 0:
        out.write(f"{path}: no ELF files\n")


def _starts_with_elf_magic(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(4) == ELF_MAGIC
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
