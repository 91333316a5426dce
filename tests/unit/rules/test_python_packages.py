"""The Python package rules on real inputs: a dist-info whose Requires-Python excludes the
runtime (python-requires), a local module with newer grammar imported by the handler
(python-grammar), a sourceless .pyc compiled here by this machine's Python (python-bytecode)."""

from __future__ import annotations

import py_compile
import sys
from pathlib import Path

from tests.build.check import check, errors, findings
from tests.build.packages import wheel, wheel_entries
from tests.build.runtimes import python_runtime
from tests.build.zips import File, make_zip

HANDLER = File("app.py", b"import helper\n\n"
                         b"def handler(event, context):\n    return helper.f(event)\n")
MATCH = File("helper.py", b"def f(event):\n    match event:\n        case {'a': a}:\n"
                          b"            return a\n        case _:\n            return None\n")


def _dist(name: str, version: str, requires: str) -> list[File]:
    info = f"{name}-{version}.dist-info"
    metadata = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                f"Requires-Python: {requires}\n").encode()
    record = f"{name}/__init__.py,,\n{info}/METADATA,,\n{info}/RECORD,,\n".encode()
    return [File(f"{name}/__init__.py", b""), File(f"{info}/METADATA", metadata),
            File(f"{info}/RECORD", record)]


def test_requires_python_310_fails_python39_in_pips_words(tmp_path: Path) -> None:
    entries = [*_dist("newonly", "2.0", ">=3.10"), HANDLER, File("helper.py", b"f = len\n")]
    zipped = make_zip(tmp_path / "fn.zip", entries)
    (finding,) = errors(check(zipped, python_runtime("3.9"), handler="app.handler"),
                        "python-requires")
    assert finding.path == "newonly-2.0.dist-info/METADATA"
    assert "ERROR: Package 'newonly' requires a different Python: 3.9 not in '>=3.10'" \
        in finding.message
    assert finding.package == "newonly 2.0"
    assert finding.fix is not None and "--python-version 3.9" in finding.fix
    assert errors(check(zipped, python_runtime("3.10"), handler="app.handler"),
                  "python-requires") == []


def test_a_micro_release_bound_is_not_a_false_failure(tmp_path: Path) -> None:
    """Lambda's 3.9 is a late 3.9.x: '>=3.9.2' admits it though it excludes 3.9.0."""
    zipped = make_zip(tmp_path / "fn.zip", [*_dist("picky", "1.0", ">=3.9.2"), HANDLER,
                                            File("helper.py", b"f = len\n")])
    assert findings(check(zipped, python_runtime("3.9"), handler="app.handler"),
                    "python-requires") == []


def test_a_real_wheel_that_admits_the_runtime_passes(tmp_path: Path) -> None:
    entries = [*wheel_entries(wheel("click==8.3.0")), HANDLER, File("helper.py", b"f = len\n")]
    zipped = make_zip(tmp_path / "fn.zip", entries)
    assert findings(check(zipped, python_runtime("3.12"), handler="app.handler"),
                    "python-requires") == []
    (finding,) = errors(check(zipped, python_runtime("3.9"), handler="app.handler"),
                        "python-requires")  # click 8.3 says Requires-Python >=3.10
    assert finding.package == "click 8.3.0"


def test_an_imported_module_with_match_fails_python39(tmp_path: Path) -> None:
    zipped = make_zip(tmp_path / "fn.zip", [HANDLER, MATCH])
    result = check(zipped, python_runtime("3.9"), handler="app.handler")
    (finding,) = errors(result, "python-grammar")
    assert finding.path == "helper.py"
    assert "SyntaxError: " in finding.message
    assert "imported by app" in finding.message
    assert "Runtime.UserCodeSyntaxError" in finding.message
    assert errors(result, "handler") == []  # the handler's own file parses
    assert findings(check(zipped, python_runtime("3.10"), handler="app.handler"),
                    "python-grammar") == []


def test_an_installed_distribution_is_judged_by_its_metadata_not_parsed(tmp_path: Path) -> None:
    """Imports are not followed into a distribution whose RECORD claims the file: its declared
    Requires-Python is what is judged (here it admits 3.9, so nothing fails)."""
    info = "matchy-1.0.dist-info"
    metadata = b"Metadata-Version: 2.1\nName: matchy\nVersion: 1.0\nRequires-Python: >=3.8\n"
    record = f"matchy/__init__.py,,\n{info}/METADATA,,\n{info}/RECORD,,\n".encode()
    entries = [File("app.py", b"import matchy\n\ndef handler(event, context):\n    return 1\n"),
               File("matchy/__init__.py", MATCH.data), File(f"{info}/METADATA", metadata),
               File(f"{info}/RECORD", record)]
    zipped = make_zip(tmp_path / "fn.zip", entries)
    result = check(zipped, python_runtime("3.9"), handler="app.handler")
    assert findings(result, "python-grammar") == []
    assert errors(result, "python-requires") == []
    # the same file as the function's own code is parsed, and fails
    own = make_zip(tmp_path / "own.zip", entries[:2])
    (finding,) = errors(check(own, python_runtime("3.9"), handler="app.handler"),
                        "python-grammar")
    assert finding.path == "matchy/__init__.py"


def test_a_module_nobody_imports_is_not_judged(tmp_path: Path) -> None:
    entries = [File("app.py", b"def handler(event, context):\n    return 1\n"),
               File("tools/helper.py", MATCH.data)]
    zipped = make_zip(tmp_path / "fn.zip", entries)
    assert findings(check(zipped, python_runtime("3.9"), handler="app.handler"),
                    "python-grammar") == []


def test_the_handlers_own_syntax_error_is_reported_once(tmp_path: Path) -> None:
    zipped = make_zip(tmp_path / "fn.zip", [File("app.py", MATCH.data + b"handler = f\n")])
    result = check(zipped, python_runtime("3.9"), handler="app.handler")
    assert len(errors(result, "handler")) == 1
    assert findings(result, "python-grammar") == []


def test_a_sourceless_pyc_of_another_python_fails(tmp_path: Path) -> None:
    source = tmp_path / "compiled.py"
    source.write_text("VALUE = 1\n")
    pyc = tmp_path / "compiled.pyc"
    py_compile.compile(str(source), cfile=str(pyc), doraise=True)
    entries = [File("app.py", b"import compiled\n\ndef handler(e, c):\n    return 1\n"),
               File("compiled.pyc", pyc.read_bytes())]
    zipped = make_zip(tmp_path / "fn.zip", entries)
    host = f"{sys.version_info[0]}.{sys.version_info[1]}"
    other = "3.9" if host != "3.9" else "3.12"
    (finding,) = errors(check(zipped, python_runtime(other), handler="app.handler"),
                        "python-bytecode")
    assert finding.path == "compiled.pyc"
    assert f"compiled by Python {host}" in finding.message
    assert "ImportError: bad magic number in 'compiled'" in finding.message
    assert findings(check(zipped, python_runtime(host), handler="app.handler"),
                    "python-bytecode") == []
