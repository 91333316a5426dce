"""The headline package cases through the real CLI (a subprocess, the shipped catalog): real
npm and PyPI packages get the verdict Lambda would give them, in the runtime's words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.build.packages import npm_entries, npm_tarball, wheel, wheel_entries
from tests.build.zips import File, make_zip
from tests.integration.test_cli import lambdacheck

INDEX = File("index.js", b"exports.handler = async () => ({ ok: true });\n")


def _report(artifact: Path, runtime: str, handler: str, arch: str = "x86_64"
            ) -> tuple[int, dict[str, Any]]:
    result = lambdacheck("check", artifact, "--runtime", runtime, "--arch", arch,
                         "--handler", handler, "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def _errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    (target,) = report["targets"]
    return [f for check in target["checks"] for f in check["findings"]
            if f["severity"] == "error"]


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_bcrypt_passes_nodejs20(tmp_path: Path, arch: str) -> None:
    entries = [*npm_entries(npm_tarball("bcrypt@6.0.0"), "node_modules/bcrypt"), INDEX]
    code, report = _report(make_zip(tmp_path / "fn.zip", entries), "nodejs20.x",
                           "index.handler", arch)
    assert (code, _errors(report)) == (0, [])


def test_sharp_without_its_arm64_package_fails_naming_it(tmp_path: Path) -> None:
    entries = [*npm_entries(npm_tarball("sharp@0.34.1"), "node_modules/sharp"), INDEX]
    code, report = _report(make_zip(tmp_path / "fn.zip", entries), "nodejs20.x",
                           "index.handler", "arm64")
    assert code == 1
    messages = [f["message"] for f in _errors(report) if f["rule"] == "platform-binaries"]
    assert any(m.startswith("`@img/sharp-linux-arm64` is not installed: sharp 0.34.1 loads it "
                            "on linux-arm64") for m in messages), messages


def test_selenium_passes_python312(tmp_path: Path) -> None:
    entries = [*wheel_entries(wheel("selenium==4.27.1")),
               File("app.py", b"import selenium\n\ndef handler(event, context):\n    return 1\n")]
    code, report = _report(make_zip(tmp_path / "fn.zip", entries), "python3.12", "app.handler")
    assert (code, _errors(report)) == (0, [])


def test_a_match_module_imported_by_a_python39_handler_fails(tmp_path: Path) -> None:
    entries = [File("app.py", b"from lib import parse\n\n"
                              b"def handler(e, c):\n    return parse(e)\n"),
               File("lib/__init__.py", b"from .parse import parse\n"),
               File("lib/parse.py", b"def parse(e):\n    match e:\n        case _:\n"
                                    b"            return 1\n")]
    zipped = make_zip(tmp_path / "fn.zip", entries)
    code, report = _report(zipped, "python3.9", "app.handler")
    assert code == 1
    (finding,) = _errors(report)
    assert (finding["rule"], finding["path"]) == ("python-grammar", "lib/parse.py")
    assert "SyntaxError: " in finding["message"]
    assert _report(zipped, "python3.12", "app.handler")[0] == 0


def test_a_misspelled_node_handler_fails(tmp_path: Path) -> None:
    zipped = make_zip(tmp_path / "fn.zip", [INDEX])
    code, report = _report(zipped, "nodejs20.x", "index.handlr")
    assert code == 1
    (finding,) = _errors(report)
    assert finding["message"].startswith(
        "Runtime.HandlerNotFound: index.handlr is undefined or not exported")
    assert _report(zipped, "nodejs20.x", "index.handler")[0] == 0
