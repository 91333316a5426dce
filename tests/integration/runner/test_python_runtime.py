"""Python functions run by awslambdaric under the real RIE in the bullseye stand-in (CPython 3.9):
handler success and errors, import errors at init, an extension built for another CPython,
and a layer's modules in /opt/python. The targets run in parallel, one container each."""

from __future__ import annotations

import json
import sysconfig

import pytest

from checker.catalog.model import Runtime
from checker.findings import Invocation
from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import ExecutionResult, execute
from tests.build.compile import BuildCache
from tests.build.zips import File, make_zip
from tests.integration.conftest import STANDINS

pytestmark = pytest.mark.docker

SOURCES = STANDINS / "python"
HOST_EXT_SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX"))  # ".cpython-311-x86_64-linux-gnu.so"


def source(name: str) -> File:
    return File(name, (SOURCES / name).read_bytes(), mode=0o644)


def events(*pairs: tuple[str, dict[str, object], dict[str, object] | None]) -> tuple[Event, ...]:
    return tuple(Event(name, json.dumps(payload), None if expect is None else json.dumps(expect))
                 for name, payload, expect in pairs)


@pytest.fixture(scope="module")
def results(python39: Runtime, build_cache: BuildCache, tmp_path_factory: pytest.TempPathFactory,
            ) -> dict[str, ExecutionResult]:
    work = tmp_path_factory.mktemp("python")
    native = build_cache.c(
        SOURCES / "native.c", name=f"native{HOST_EXT_SUFFIX}",
        flags=["-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}"])
    app = make_zip(work / "app.zip", [source("app.py")])
    layer = make_zip(work / "layer.zip", [File("python/helper.py", b"VALUE = 'from /opt'\n")])
    targets = {
        "handler": Target(app, python39, "x86_64", handler="app.handler", name="handler"),
        "fail": Target(app, python39, "x86_64", handler="app.fail", name="fail"),
        "broken": Target(make_zip(work / "broken.zip", [source("broken.py")]), python39, "x86_64",
                         handler="broken.handler", name="broken"),
        "native": Target(make_zip(work / "native.zip", [
            source("uses_native.py"), File(native.name, native.read_bytes(), mode=0o755)]),
            python39, "x86_64", handler="uses_native.handler", name="native"),
        "layer": Target(make_zip(work / "uses_layer.zip", [source("uses_layer.py")]), python39,
                        "x86_64", handler="uses_layer.handler", layers=(layer,), name="layer"),
    }
    options = ExecOptions(
        events=events(("first", {"n": 1}, None), ("second", {"n": 2}, None)),
        network=NetworkMode.HOST, pull=PullPolicy.NEVER, timeout_s=3, jobs=3)
    executed = execute(list(targets.values()), options)
    return {name: executed[target.id] for name, target in targets.items()}


def invocations(result: ExecutionResult) -> list[Invocation]:
    assert result.skipped is None
    return list(result.invocations)


def test_handler_success_cold_then_warm(results: dict[str, ExecutionResult]) -> None:
    first, second = invocations(results["handler"])
    assert (first.outcome, second.outcome) == ("success", "success")
    assert first.init_duration_ms is not None and second.init_duration_ms is None
    assert json.loads(first.response)["uid"] == 993
    assert json.loads(second.response)["n"] == 2
    assert 0 < json.loads(first.response)["remaining_ms"] <= 3000
    assert "handling 1" in first.output_tail and "to stderr" in first.output_tail
    assert "handling 1" not in second.output_tail  # each invoke gets its own output


def test_handler_exception_is_a_function_error(results: dict[str, ExecutionResult]) -> None:
    first, _ = invocations(results["fail"])
    assert first.outcome == "function-error"
    assert first.message == "ValueError: bad input: 1"
    assert json.loads(first.response)["errorType"] == "ValueError"


def test_missing_dependency_is_an_init_import_error(results: dict[str, ExecutionResult]) -> None:
    first, second = invocations(results["broken"])
    assert first.outcome == second.outcome == "init-error"
    assert first.message.startswith("Runtime.ImportModuleError: Unable to import module 'broken'")
    assert "missing_dependency_module" in first.message


def test_extension_built_for_another_cpython_is_not_importable(
        results: dict[str, ExecutionResult]) -> None:
    assert HOST_EXT_SUFFIX != ".cpython-39-x86_64-linux-gnu.so"
    first, _ = invocations(results["native"])
    assert first.outcome == "init-error"
    assert "Runtime.ImportModuleError" in first.message
    assert "No module named 'native'" in first.message


def test_layer_code_in_opt_python_is_importable(results: dict[str, ExecutionResult]) -> None:
    first, _ = invocations(results["layer"])
    assert (first.outcome, json.loads(first.response)) == (
        "success", {"from_layer": "from /opt"})


def test_results_keep_the_targets_order(results: dict[str, ExecutionResult]) -> None:
    assert [r.target.artifact for r in results.values()] == [
        "handler", "fail", "broken", "native", "layer"]
