"""The entry point: the handler a managed runtime will import, or the bootstrap a custom runtime
(provided.*) will exec. Handler sources are parsed with `ast`, never imported."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator

from checker.catalog.model import HandlerStyle
from checker.findings import Finding, Severity
from checker.lambda_env import CUSTOM_BOOTSTRAPS, OPT, TASK_ROOT
from checker.rules.base import NotApplicable, RuleContext
from checker.rules.executable import executable_findings
from checker.rules.view import Located

BOOTSTRAPS = CUSTOM_BOOTSTRAPS
NODE_SUFFIXES = (".js", ".mjs", ".cjs")


def python_module_candidates(handler: str, python: tuple[int, int] | None) -> list[str]:
    """Absolute paths the runtime would import the handler's module from, in sys.path order."""
    module = handler.rpartition(".")[0].replace(".", "/")
    roots = [TASK_ROOT, f"{OPT}/python"]
    if python is not None:
        roots.append(f"{OPT}/python/lib/python{python[0]}.{python[1]}/site-packages")
    return [f"{root}/{module}{suffix}" for root in roots
            for suffix in (".py", "/__init__.py", ".pyc")]


def handler_texts(handler: str | None) -> tuple[str, ...]:
    """Path suffixes whose contents the scanner should keep so this rule can parse them."""
    if not handler or "." not in handler:
        return ()
    module = handler.rpartition(".")[0].replace(".", "/")
    return (f"{module}.py", f"{module}/__init__.py")


class HandlerRule:
    id = "handler"
    summary = "The handler or bootstrap exists and can start"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        style = ctx.runtime.handler_style
        if ctx.image is not None and style is HandlerStyle.CUSTOM:
            raise NotApplicable("a container image: the image rule checks its entrypoint")
        if style is HandlerStyle.CUSTOM:
            yield from self._bootstrap(ctx)
            return
        if not ctx.handler:
            raise NotApplicable("no --handler given")
        if style is HandlerStyle.PYTHON:
            yield from self._python(ctx, ctx.handler)
        elif style is HandlerStyle.NODE:
            yield from self._node(ctx, ctx.handler)
        else:
            yield from self._other(ctx, ctx.handler, style)

    # -- custom runtimes -------------------------------------------------------------------
    def _bootstrap(self, ctx: RuleContext) -> Iterator[Finding]:
        entry = next((ctx.view.entry(p) for p in BOOTSTRAPS if ctx.view.entry(p) is not None), None)
        if entry is None:
            yield self._finding(
                "", f"no bootstrap at the root of the artifact or a layer; {ctx.runtime.name} "
                "fails with Runtime.InvalidEntrypoint",
                "add an executable file named bootstrap at the ZIP's root (or /opt/bootstrap "
                "in a layer) that runs your runtime loop", "bootstrap")
            return
        target = ctx.view.resolve(entry.abs_path)
        if target is None:
            yield self._finding(entry.report_path, "bootstrap is a symlink that leads nowhere",
                                "make bootstrap a regular file", "bootstrap")
            return
        yield from executable_findings(self.id, ctx, target, "bootstrap")

    # -- python ---------------------------------------------------------------------------
    def _python(self, ctx: RuleContext, handler: str) -> Iterator[Finding]:
        module, _, function = handler.rpartition(".")
        if not module or not function:
            yield self._bad_format(handler, "module.function (e.g. app.handler)")
            return
        python = ctx.runtime.python
        candidates = python_module_candidates(handler, python)
        found = next((ctx.view.resolve(p) for p in candidates if ctx.view.resolve(p)), None)
        if found is None:
            found = self._compiled_module(ctx, handler)
            if found is None:
                yield self._finding(
                    "", f"handler module '{module}' not found (looked for "
                    f"{', '.join(c.removeprefix(TASK_ROOT + '/') for c in candidates[:2])}): "
                    f"Runtime.ImportModuleError: Unable to import module '{module}'",
                    "put the module at the ZIP's root (zip from inside the build folder), or fix "
                    "--handler", handler)
            return
        source = found.artifact.texts.get(found.file.path)
        if source is None:
            return  # compiled or too large to parse: its presence is what we can tell
        yield from self._python_source(found, source, function, python)

    def _compiled_module(self, ctx: RuleContext, handler: str) -> Located | None:
        module = handler.rpartition(".")[0].replace(".", "/")
        prefix = f"{TASK_ROOT}/{module}."
        return next((loc for loc in ctx.view
                     if loc.abs_path.startswith(prefix) and loc.abs_path.endswith(".so")), None)

    def _python_source(self, loc: Located, source: bytes, function: str,
                       python: tuple[int, int] | None) -> Iterator[Finding]:
        try:
            tree = _parse(source, python)
        except SyntaxError as err:
            newer = python is not None and _parses_on_newer_python(source)
            where = f"line {err.lineno}" if err.lineno else "the file"
            problem = (f"syntax newer than Python {python[0]}.{python[1]}" if newer and python
                       else "a syntax error")
            yield self._finding(
                loc.report_path, f"{problem} at {where}: {err.msg}; Runtime.UserCodeSyntaxError",
                "fix the syntax, or deploy on a runtime for the Python version you wrote it for",
                f"line {err.lineno}")
            return
        if function not in _top_level_names(tree) and not _has_dynamic_names(tree):
            yield self._finding(
                loc.report_path,
                f"'{function}' is not defined at the top level of {loc.file.path}: "
                f"Runtime.HandlerNotFound",
                "define the function at module level, or fix --handler", function)

    # -- node -----------------------------------------------------------------------------
    def _node(self, ctx: RuleContext, handler: str) -> Iterator[Finding]:
        file, _, export = handler.rpartition(".")
        if not file or not export:
            yield self._bad_format(handler, "file.export (e.g. index.handler)")
            return
        candidates = [f"{TASK_ROOT}/{file}{s}" for s in NODE_SUFFIXES]
        if any(ctx.view.resolve(c) for c in candidates):
            return
        typescript = ctx.view.resolve(f"{TASK_ROOT}/{file}.ts") is not None
        yield self._finding(
            "", f"handler file {file}.js/.mjs/.cjs not found: Runtime.ImportModuleError: "
            f"Cannot find module '{file}'",
            "compile the TypeScript to JavaScript before packaging" if typescript else
            "put the file at the ZIP's root or fix --handler", handler)

    # -- java, ruby, dotnet -------------------------------------------------------------------
    def _other(self, ctx: RuleContext, handler: str, style: HandlerStyle) -> Iterator[Finding]:
        paths = [loc.file.path for loc in ctx.view if loc.artifact is ctx.function]
        if style is HandlerStyle.JAVA:
            cls = handler.split("::", 1)[0]
            wanted = cls.replace(".", "/") + ".class"
            has_jars = any(p.endswith(".jar") for p in paths)
            if wanted not in paths and not has_jars:
                yield self._finding("", f"class {cls} not found ({wanted}) and no jars in lib/: "
                                    "ClassNotFoundException", "package the compiled classes "
                                    "(a fat jar or classes + lib/*.jar)", cls)
        elif style is HandlerStyle.RUBY:
            file = handler.rpartition(".")[0]
            if f"{file}.rb" not in paths:
                yield self._finding("", f"handler file {file}.rb not found: "
                                    "Init<LoadError>", "put the file at the ZIP's root", handler)
        elif style is HandlerStyle.DOTNET:
            assembly = handler.split("::", 1)[0]
            if f"{assembly}.dll" not in paths:
                yield self._finding("", f"assembly {assembly}.dll not found in the package",
                                    "dotnet lambda package / publish into the ZIP's root",
                                    assembly)

    def _bad_format(self, handler: str, expected: str) -> Finding:
        return self._finding("", f"handler '{handler}' is not of the form {expected}",
                             f"use --handler {expected.split()[0]}", handler)

    def _finding(self, path: str, message: str, hint: str, subject: str) -> Finding:
        return Finding(rule=self.id, severity=Severity.ERROR, path=path, message=message,
                       hint=hint, subject=subject)


def _parse(source: bytes, python: tuple[int, int] | None) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of user code are not ours
        if python is not None and python >= (3, 7):
            return ast.parse(source, feature_version=python)
        return ast.parse(source)


def _parses_on_newer_python(source: bytes) -> bool:
    try:
        _parse(source, None)
    except SyntaxError:
        return False
    return True


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            names |= _top_level_names(ast.Module(body=_branches(node), type_ignores=[]))
    return names


def _branches(node: ast.If | ast.Try | ast.With) -> list[ast.stmt]:
    body = list(node.body)
    if isinstance(node, ast.If):
        body += node.orelse
    elif isinstance(node, ast.Try):
        body += node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
    return body


def _has_dynamic_names(tree: ast.Module) -> bool:
    """Star imports, globals() writes or a module __getattr__ make the name set unknowable."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            return True
    return "globals()" in ast.unparse(tree) if len(tree.body) < 2000 else True
