"""The grammar of every module the Python handler can import, at the runtime's version.

From the handler's module, the imports are followed inside the function's files (absolute
`import a.b` — which runs a/__init__ then a/b —, `from a import b` — a/__init__, and a/b
when it is a module —, relative imports, package `__init__`s), transitively, and each source
is parsed with `ast.parse(feature_version=...)`. User code is never imported or run.

What `ast` can and cannot tell (measured on the host's Python, see the tests):
- feature_version rejects, by name, grammar newer than the target that the host's parser
  knows: `match` (3.10), parenthesized context managers (3.9), `except*` (3.11), walrus
  (3.8), positional-only parameters (3.8);
- its message names the feature and the version ("Pattern matching is only supported in
  Python 3.10 and greater"), at the line the host's parser reports (for `match`, the end of
  the statement), where the target Python itself says "invalid syntax" at the first line;
- it is best-effort: some newer grammar is accepted all the same (e.g. `return *a, b`
  before 3.8; on a 3.12+ host, f-string nesting and quote reuse before 3.12), so a clean
  parse is no proof;
- grammar newer than the host's Python (PEP 695 `type X = ...` and `def f[T]()` of 3.12 on a
  3.11 host) fails to parse on the host whatever the target: when the target is newer than
  the host, such a failure is reported as undecided, never as an error.
Imports under `if TYPE_CHECKING:` or a test of `sys.version_info` / `sys.platform` are not
followed: the module chose not to run them on some versions.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections import deque
from collections.abc import Callable, Iterator

from checker.packages.tree import Tree
from checker.records import record

_GUARDS = ("TYPE_CHECKING", "version_info", "platform")


@record
class GrammarError:
    """The first syntax error of one module, in Python's words."""

    path: str  # absolute
    module: str
    line: int | None
    message: str  # "SyntaxError: <msg> (<report path>, line <n>)"
    imported_by: str | None  # the module whose import reached this one (None: the handler)


@record
class Undecided:
    """A module this Python cannot judge (grammar newer than the host's own)."""

    path: str
    module: str
    reason: str


@record
class GrammarReport:
    """The handler's module and those it imports, parsed at the runtime's Python: the files
    parsed, their syntax errors, and the modules this Python cannot judge."""

    checked: tuple[str, ...]  # absolute paths of the sources parsed
    errors: tuple[GrammarError, ...]
    undecided: tuple[Undecided, ...]


def import_roots(python: tuple[int, int]) -> tuple[str, ...]:
    """sys.path entries of a Lambda Python function that the function's own files fill."""
    return ("/var/task", "/opt/python",
            f"/opt/python/lib/python{python[0]}.{python[1]}/site-packages")


def check_grammar(tree: Tree, handler_module: str, python: tuple[int, int],
                  host: tuple[int, int] | None = None,
                  skip: Callable[[str], bool] | None = None) -> GrammarReport:
    """Parse the handler's module ("app" or "pkg.app") and every module it imports inside
    `tree`, at Python `python`. `host` is the parsing Python (default: this one). Modules whose
    path `skip` accepts are neither parsed nor followed (installed distributions, judged by
    their declared Requires-Python and wheel tags instead)."""
    host = host or (sys.version_info[0], sys.version_info[1])
    roots = import_roots(python)
    queue: deque[tuple[str, str | None]] = deque((m, None) for m in _chain(handler_module))
    seen: set[str] = set()
    checked: list[str] = []
    errors: list[GrammarError] = []
    undecided: list[Undecided] = []
    while queue:
        module, importer = queue.popleft()
        if module in seen:
            continue
        seen.add(module)
        path = _find(tree, roots, module)
        if path is not None and skip is not None and skip(path):
            continue
        source = None if path is None else tree.text(path)
        if path is None or source is None:
            continue
        checked.append(path)
        entry = tree.get(path)
        shown = entry.report_path if entry is not None else path
        result = _parse(source, shown, python, host)
        if isinstance(result, GrammarError):
            errors.append(GrammarError(path, module, result.line, result.message, importer))
            continue
        if isinstance(result, str):
            undecided.append(Undecided(path, module, result))
            continue
        package = module if path.endswith("/__init__.py") else module.rpartition(".")[0]
        for target in _imports(result, package):
            for name in _chain(target):
                queue.append((name, module))
    return GrammarReport(tuple(checked), tuple(errors), tuple(undecided))


def _chain(module: str) -> list[str]:
    """"a.b.c" → ["a", "a.b", "a.b.c"]: importing a submodule runs each parent first."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1) if all(parts[:i])]


def _find(tree: Tree, roots: tuple[str, ...], module: str) -> str | None:
    relative = module.replace(".", "/")
    for root in roots:
        for candidate in (f"{root}/{relative}/__init__.py", f"{root}/{relative}.py"):
            if tree.is_file(candidate):
                return candidate
    return None


def _parse(source: bytes, shown: str, python: tuple[int, int],
           host: tuple[int, int]) -> ast.Module | GrammarError | str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of user code are not ours
        try:
            return ast.parse(source, filename=shown, feature_version=python)
        except SyntaxError as err:
            first = err
        except ValueError as err:  # null bytes in the source
            return GrammarError("", "", None, f"SyntaxError: {err} ({shown})", None)
        if python > host:
            try:
                ast.parse(source, filename=shown)
            except SyntaxError:
                return (f"does not parse on Python {host[0]}.{host[1]}, which cannot judge "
                        f"grammar of Python {python[0]}.{python[1]}")
    return GrammarError("", "", first.lineno, f"SyntaxError: {first}", None)


def _imports(tree: ast.Module, package: str) -> Iterator[str]:
    """Absolute names of the modules the imports of `tree` may run, guarded ones left out."""
    for node in _unguarded(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            if base is None:
                continue
            if base:
                yield base
            for alias in node.names:
                if alias.name != "*":
                    yield f"{base}.{alias.name}" if base else alias.name


def _absolute(module: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return module or ""
    parts = package.split(".") if package else []
    if level > len(parts):
        return None  # beyond the top-level package (or none): ImportError, not ours
    anchor = parts[:len(parts) - level + 1]
    return ".".join([*anchor, module] if module else anchor)


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _unguarded(tree: ast.AST) -> Iterator[ast.AST]:
    """Every statement (imports are statements; expressions are not walked), in source order,
    except those under a guard."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        children: list[ast.AST] = []
        for block in _BLOCKS:
            children.extend(getattr(node, block, None) or ())
        for child in reversed(children):
            if isinstance(child, ast.If) and _is_guard(child.test):
                continue
            stack.append(child)
        if node is not tree:
            yield node


def _is_guard(test: ast.expr) -> bool:
    names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(test) if isinstance(n, ast.Attribute)}
    return any(guard in names for guard in _GUARDS)
