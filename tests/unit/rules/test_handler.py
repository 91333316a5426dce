from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.model import HandlerStyle
from tests.build.check import check, errors, findings
from tests.build.runtimes import python_runtime, runtime
from tests.build.zips import File, make_zip

SH = frozenset({"/bin/sh", "/bin/bash", "/usr/bin/env"})


def _custom(tmp_path: Path, bootstrap: File, **kwargs: object) -> list[str]:
    artifact = make_zip(tmp_path / "fn.zip", [bootstrap])
    result = check(artifact, runtime(glibc="2.36", **kwargs))  # type: ignore[arg-type]
    return [f.message for f in errors(result, "handler")]


def test_executable_script_bootstrap_passes(tmp_path: Path) -> None:
    assert _custom(tmp_path, File("bootstrap", b"#!/bin/sh\necho hi\n", mode=0o755)) == []


def test_bootstrap_without_exec_bit(tmp_path: Path) -> None:
    (message,) = _custom(tmp_path, File("bootstrap", b"#!/bin/sh\n", mode=0o644))
    assert "permission denied" in message


def test_bootstrap_from_windows_zip_has_no_exec_bit(tmp_path: Path) -> None:
    (message,) = _custom(tmp_path, File("bootstrap", b"#!/bin/sh\n", windows=True))
    assert "not executable by others (mode 0644)" in message


def test_bootstrap_executable_by_owner_only(tmp_path: Path) -> None:
    messages = _custom(tmp_path, File("bootstrap", b"#!/bin/sh\n", mode=0o700))
    assert any("not executable by others" in m for m in messages)
    assert any("not readable by others" in m for m in messages)


def test_bootstrap_with_crlf_shebang(tmp_path: Path) -> None:
    (message,) = _custom(tmp_path, File("bootstrap", b"#!/bin/sh\r\necho hi\r\n", mode=0o755))
    assert "Windows line endings" in message


def test_env_python3_missing_on_the_runtime(tmp_path: Path) -> None:
    (message,) = _custom(tmp_path, File("bootstrap", b"#!/usr/bin/env python3\n", mode=0o755),
                         executables=SH)
    assert "/usr/bin/env: python3: No such file or directory" in message


def test_env_python3_present_on_the_runtime(tmp_path: Path) -> None:
    assert _custom(tmp_path, File("bootstrap", b"#!/usr/bin/env python3\n", mode=0o755),
                   executables=SH | {"/usr/bin/python3"}) == []


def test_missing_bootstrap(tmp_path: Path) -> None:
    (message,) = _custom(tmp_path, File("main.sh", b"#!/bin/sh\n", mode=0o755))
    assert "Runtime.InvalidEntrypoint" in message


def test_bootstrap_in_a_layer(tmp_path: Path) -> None:
    function = make_zip(tmp_path / "fn.zip", [File("handler.sh", b"echo\n")])
    layer = make_zip(tmp_path / "layer.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    assert errors(check(function, runtime(glibc="2.36"), layers=[layer]), "handler") == []


def _python(tmp_path: Path, source: bytes, handler: str, version: str = "3.11",
            name: str = "app.py") -> list[str]:
    artifact = make_zip(tmp_path / "fn.zip", [File(name, source)])
    result = check(artifact, python_runtime(version), handler=handler)
    return [f.message for f in errors(result, "handler")]


def test_python_handler_defined(tmp_path: Path) -> None:
    assert _python(tmp_path, b"def handler(event, context):\n    return 1\n", "app.handler") == []


def test_python_handler_async_or_assigned_or_imported(tmp_path: Path) -> None:
    source = b"from x import thing as handler\n"
    assert _python(tmp_path, source, "app.handler") == []
    assert _python(tmp_path, b"handler = make()\n", "app.handler") == []


def test_python_handler_not_defined(tmp_path: Path) -> None:
    (message,) = _python(tmp_path, b"def main(event, context):\n    pass\n", "app.handler")
    assert "Runtime.HandlerNotFound" in message


def test_python_module_missing(tmp_path: Path) -> None:
    (message,) = _python(tmp_path, b"def handler(e, c): pass\n", "other.handler")
    assert "Unable to import module 'other'" in message


def test_python_package_module(tmp_path: Path) -> None:
    assert _python(tmp_path, b"def handler(e, c): pass\n", "pkg.mod.handler",
                   name="pkg/mod.py") == []


def test_python_syntax_newer_than_the_runtime(tmp_path: Path) -> None:
    source = b"def handler(event, context):\n    match event:\n        case _:\n            pass\n"
    (message,) = _python(tmp_path, source, "app.handler", version="3.9")
    assert "syntax newer than Python 3.9" in message
    assert _python(tmp_path, source, "app.handler", version="3.11") == []


def test_python_handler_in_layer(tmp_path: Path) -> None:
    function = make_zip(tmp_path / "fn.zip", [File("README", b"x")])
    layer = make_zip(tmp_path / "layer.zip", [File("python/app.py", b"def handler(e, c): pass\n")])
    result = check(function, python_runtime("3.11"), handler="app.handler", layers=[layer])
    assert errors(result, "handler") == []


def test_no_handler_given_skips_the_check(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("app.py", b"")])
    result = check(artifact, python_runtime("3.11"))
    (handler_check,) = [c for c in result.checks if c.rule == "handler"]
    assert handler_check.skipped == "no --handler given"


@pytest.mark.parametrize(("files", "ok"), [(["index.mjs"], True), (["index.ts"], False),
                                           (["lib/index.js"], False)])
def test_node_handler_file(tmp_path: Path, files: list[str], ok: bool) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File(name, b"export const handler = 1\n")
                                              for name in files])
    node = runtime("nodejs20.x", family="nodejs", style=HandlerStyle.NODE, language="20")
    messages = [f.message for f in errors(check(artifact, node, handler="index.handler"),
                                          "handler")]
    assert (messages == []) is ok
    if "index.ts" in files:
        assert "compile the TypeScript" in findings(check(artifact, node,
                                                          handler="index.handler"),
                                                    "handler")[0].hint
