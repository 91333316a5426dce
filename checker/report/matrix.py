"""`lambdacheck runtimes --for ARTIFACT`: the runtime x architecture matrix as text or JSON.
Render only: the verdicts and the summary are checker/matrix.py's."""

from __future__ import annotations

import json
from typing import TextIO

from checker.matrix import Matrix

_REASON_WIDTH = 110


def render_matrix_text(matrix: Matrix, out: TextIO) -> None:
    out.write(f"{matrix.artifact}: {matrix.summary}\n\n")
    header = ("RUNTIME", *(a.upper() for a in matrix.arches), "FIRST REASON")
    rows = [header]
    for name in matrix.runtimes:
        verdicts: list[str] = []
        reason = ""
        for arch in matrix.arches:
            cell = matrix.cell(name, arch)
            verdicts.append("-" if cell is None else "runs" if cell.runs else "fails")
            if cell is not None and cell.reason and not reason:
                reason = cell.reason if len(matrix.arches) == 1 else f"{arch}: {cell.reason}"
        rows.append((name, *verdicts, _cut(reason)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_WIDTH else text[:_REASON_WIDTH - 1] + "…"


def render_matrix_json(matrix: Matrix, out: TextIO) -> None:
    document = {
        "artifact": matrix.artifact,
        "summary": matrix.summary,
        "runs_on": [{"runtime": c.runtime, "arch": c.arch} for c in matrix.cells if c.runs],
        "matrix": [{"runtime": c.runtime, "arch": c.arch, "runs": c.runs, "rule": c.rule,
                    "reason": c.reason} for c in matrix.cells],
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
