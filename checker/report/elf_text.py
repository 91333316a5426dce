"""`lambdacheck inspect`: the facts of one ELF file, as text. Facts only, no verdicts."""

from __future__ import annotations

from typing import TextIO

from checker.elf import highest_versions
from checker.facts import ElfFacts


def render_elf(name: str, facts: ElfFacts, out: TextIO) -> None:
    out.write(f"{name}\n")
    rows = [
        ("class", f"ELF{facts.elf_class} {facts.endianness}-endian {facts.elf_type}"),
        ("machine", facts.arch),
        ("os/abi", facts.osabi),
        ("interpreter", facts.interpreter or ("(none: static)" if not facts.is_dynamic
                                              else "(none: shared object)")),
        ("soname", facts.soname or "-"),
        ("needed", ", ".join(facts.needed) or "-"),
        ("rpath", ":".join(facts.rpath) or "-"),
        ("runpath", ":".join(facts.runpath) or "-"),
    ]
    for label, value in rows:
        out.write(f"  {label:<12} {value}\n")
    highest = highest_versions(facts)
    for prefix in ("GLIBC_", "GLIBCXX_", "CXXABI_", "GCC_"):
        if prefix in highest:
            version, symbols = highest[prefix]
            shown = ", ".join(symbols[:6]) + (f" (+{len(symbols) - 6} more)"
                                              if len(symbols) > 6 else "")
            out.write(f"  {'max ' + prefix.rstrip('_'):<12} {version}"
                      + (f"  needed by {shown}" if shown else "") + "\n")
    others = sorted({n.version for n in facts.version_needs
                     if not n.version.startswith(("GLIBC_", "GLIBCXX_", "CXXABI_", "GCC_"))})
    if others:
        out.write(f"  {'other vers.':<12} {', '.join(others)}\n")
    if facts.version_defs:
        out.write(f"  {'defines':<12} {', '.join(facts.version_defs)}\n")
    for problem in facts.problems:
        out.write(f"  {'problem':<12} {problem}\n")
