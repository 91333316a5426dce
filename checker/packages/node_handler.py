"""Does the Node handler file export the handler's name? A conservative reading, no parser.

No JavaScript parser on PyPI fits: esprima-python and pyjsparser are unmaintained (no ES2020+,
no modules syntax beyond ES6), and tree-sitter needs two compiled dependencies for one check.
So the file is read for the ways CommonJS and ES modules export a name, and the verdict is
MISSING only when the reading is certain: the name occurs nowhere in the file as a word (not in
code, strings or comments), the file exports other names in ways that were all understood,
and it does none of the things that export names unseen: `export * from`, `module.exports =`
anything but an object literal, `Object.assign`/`defineProperty` on exports, computed
`exports[...]`, bundler helpers (`__export`, `__exportStar`, `__reExport`), or minified lines.
Anything else is FOUND (an export of the name was seen) or UNKNOWN. Never a false failure.
"""

from __future__ import annotations

import enum
import re

from checker.records import record

_MINIFIED_LINE = 1000  # characters: bundlers and minifiers write long lines
_DYNAMIC = re.compile(
    r"export\s*\*|module\.exports\s*=\s*(?!\{)|Object\.(?:assign|defineProperty|defineProperties)"
    r"\s*\(\s*(?:module\.)?exports|(?:module\.)?exports\s*\[|__export|__reExport|"
    r"exports\s*=\s*module\.exports\s*=\s*(?!\{)|\bimport\s*\(")
_EXPORTS = (
    re.compile(r"(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*="),
    re.compile(r"\bexport\s+(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)"),
    re.compile(r"\bexport\s+default\b()"),
)
_EXPORT_LIST = re.compile(r"\bexport\s*\{([^}]*)\}")
_OBJECT_EXPORT = re.compile(r"module\.exports\s*=\s*\{([^}]*)\}")


class Export(enum.Enum):
    FOUND = "found"
    MISSING = "missing"
    UNKNOWN = "unknown"


@record
class HandlerExport:
    """Whether the handler file exports the handler's name (FOUND, MISSING or UNKNOWN), the
    names it was seen exporting, and for MISSING the runtime's message."""

    verdict: Export
    exported: tuple[str, ...]  # names seen exported (for the message), in file order
    message: str | None  # for MISSING, in the runtime's words


def find_export(source: bytes, handler: str) -> HandlerExport:
    """Judge `handler` ("index.handler": file index, export handler) against the file's text."""
    name = handler.rpartition(".")[2]
    text = source.decode("utf-8", "replace")
    seen = _exported_names(text)
    if name in seen:
        return HandlerExport(Export.FOUND, tuple(seen), None)
    occurs = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text) is not None
    minified = any(len(line) > _MINIFIED_LINE for line in text.splitlines())
    if occurs or minified or not seen or _DYNAMIC.search(text):
        return HandlerExport(Export.UNKNOWN, tuple(seen), None)
    exported = ", ".join(seen)
    return HandlerExport(
        Export.MISSING, tuple(seen),
        f"Runtime.HandlerNotFound: {handler} is undefined or not exported (the file exports "
        f"{exported})")


def _exported_names(text: str) -> list[str]:
    names: dict[str, None] = {}
    for pattern in _EXPORTS:
        for found in pattern.finditer(text):
            names[found.group(1) or "default"] = None
    for block in (*_EXPORT_LIST.finditer(text), *_OBJECT_EXPORT.finditer(text)):
        for item in block.group(1).split(","):
            item = item.strip()
            if not item or item.startswith("..."):
                continue
            exported = re.split(r"\s+as\s+|\s*:\s*|\s*\(", item)
            alias = exported[1] if " as " in item and len(exported) > 1 else exported[0]
            alias = alias.strip().strip("'\"")
            if re.fullmatch(r"[A-Za-z_$][\w$]*", alias):
                names[alias] = None
    return list(names)
