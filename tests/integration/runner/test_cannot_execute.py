"""`lambdacheck run` executes every target or exits 2 with one line saying why not; with
--allow-skip-exec (or `allow-skip-exec = true` in the config) it reports them as skipped, and
the text, JSON and markdown reports count executed and skipped targets. Also what the report
says about how a target ran: _HANDLER as Lambda sets it, and an --image whose glibc is not the
runtime's. Every failure here is real: a registry address where nothing listens, an image the
engine does not have, a runtime file that says another glibc than the image has."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.build.zips import File, make_zip
from tests.integration.conftest import STANDIN_IMAGES, STANDINS

pytestmark = pytest.mark.docker  # the marker's fixtures skip (CI: fail) without an engine

PROVIDED = STANDINS / "provided.toml"
UNPULLABLE = "127.0.0.1:1/nope:missing"  # a registry address on loopback where nothing listens
HANDLER_EVENT = json.dumps({"action": "env", "names": ["_HANDLER"]})
ABSENT_RUNTIME = """\
[runtime."standin-absent"]
os = "probe-standin-provided"
family = "provided"
arches = ["x86_64"]
image = "lambdacheck-standin/absent:never"
sources = ["probe-standin-provided"]
"""


def lambdacheck(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False, cwd=cwd)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def function(tmp_path: Path) -> Path:
    return make_zip(tmp_path / "fn.zip", [
        File("bootstrap", (STANDINS / "custom" / "bootstrap").read_bytes(), mode=0o755)])


def run_args(function: Path, *extra: str | Path) -> list[str | Path]:
    return ["run", function, "--runtime", "standin-provided", "--runtime-file", PROVIDED,
            *extra]


def test_an_image_that_cannot_be_pulled_exits_2_with_the_registrys_reason(
        function: Path) -> None:
    result = lambdacheck(*run_args(function, "--image", UNPULLABLE))
    line = one_line_error(result)
    assert line.startswith(f"lambdacheck: error: cannot execute {function} on standin-provided "
                           f"(x86_64): image {UNPULLABLE} cannot be pulled: ")
    assert "127.0.0.1:1" in line.split("cannot be pulled: ", 1)[1]
    assert "connection refused" in line


def test_allow_skip_exec_reports_it_skipped_and_counts_it(function: Path) -> None:
    text = lambdacheck(*run_args(function, "--image", UNPULLABLE, "--allow-skip-exec"))
    assert text.returncode == 0, text.stdout + text.stderr
    assert f"  execution skipped: image {UNPULLABLE} cannot be pulled: " in text.stdout
    assert text.stdout.splitlines()[-1] == "1 target: 1 passed, 0 failed; 0 executed, 1 skipped"

    as_json = lambdacheck(*run_args(function, "--image", UNPULLABLE, "--allow-skip-exec",
                                    "--format", "json"))
    report = json.loads(as_json.stdout)
    assert (report["summary"]["executed"], report["summary"]["execution_skipped"]) == (0, 1)
    assert report["targets"][0]["execution"] is None


def test_the_config_key_allows_skipping_and_require_exec_still_insists(
        function: Path, tmp_path: Path) -> None:
    (tmp_path / "lambdacheck.toml").write_text("allow-skip-exec = true\n", encoding="utf-8")
    skipped = lambdacheck(*run_args(function, "--image", UNPULLABLE), cwd=tmp_path)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert skipped.stdout.splitlines()[-1].endswith("; 0 executed, 1 skipped")

    insisted = lambdacheck(*run_args(function, "--image", UNPULLABLE, "--require-exec"),
                           cwd=tmp_path)
    assert "cannot be pulled" in one_line_error(insisted)


def test_some_targets_unable_to_execute_fail_the_run_before_any_starts(
        function: Path, tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    absent.write_text(ABSENT_RUNTIME, encoding="utf-8")
    args = [*run_args(function, "--runtime-file", absent, "--runtime", "standin-absent",
                      "--pull", "never")]
    line = one_line_error(lambdacheck(*args))
    assert line == (f"lambdacheck: error: cannot execute 1 of 2 targets: {function} on "
                    "standin-absent (x86_64): image lambdacheck-standin/absent:never is not "
                    "present and --pull is never")

    summary = tmp_path / "summary.md"
    allowed = lambdacheck(*args, "--allow-skip-exec", "--summary", summary)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert allowed.stdout.splitlines()[-1] == ("2 targets: 2 passed, 0 failed; 1 executed, "
                                               "1 skipped")
    assert summary.read_text(encoding="utf-8").splitlines()[0] == (
        "## lambdacheck: ✅ 2 targets passed (fail on error, 1 executed, 1 skipped)")


def handler_seen(result: subprocess.CompletedProcess[str]) -> tuple[str, dict[str, object]]:
    """What the function read from $_HANDLER, and the JSON report's execution object."""
    assert result.returncode == 0, result.stdout + result.stderr
    (target,) = json.loads(result.stdout)["targets"]
    (invocation,) = target["invocations"]
    return json.loads(invocation["response"])["_HANDLER"], target["execution"]


def test_handler_is_set_as_lambda_sets_it_and_reported(function: Path, tmp_path: Path) -> None:
    common = ("--pull", "never", "--event", HANDLER_EVENT, "--format", "json")
    default = lambdacheck(*run_args(function, *common))
    seen, execution = handler_seen(default)
    assert seen == "bootstrap"
    assert execution["handler"] == "bootstrap"
    assert execution["image"] == STANDIN_IMAGES[0]
    (target,) = json.loads(default.stdout)["targets"]
    assert ("no handler given: _HANDLER is 'bootstrap', lambdacheck's default for custom "
            "runtimes (Lambda requires a Handler for ZIP functions: give --handler, or Handler "
            "in the template)") in target["notes"]

    seen, execution = handler_seen(lambdacheck(*run_args(function, *common,
                                                         "--handler", "my.handler")))
    assert (seen, execution["handler"]) == ("my.handler", "my.handler")

    (tmp_path / "lambdacheck.toml").write_text(
        'runtime = "standin-provided"\nhandler = "from.config"\n'
        f'runtime-files = ["{PROVIDED}"]\n', encoding="utf-8")
    seen, execution = handler_seen(lambdacheck("run", function, *common, cwd=tmp_path))
    assert (seen, execution["handler"]) == ("from.config", "from.config")


def test_text_report_says_what_ran(function: Path) -> None:
    result = lambdacheck(*run_args(function, "--pull", "never", "--handler", "fn.go"))
    assert result.returncode == 0, result.stdout + result.stderr
    network = "host" if "ran on the host network instead" in result.stdout else "bridge"
    assert (f"  executed in {STANDIN_IMAGES[0]}, _HANDLER=fn.go, {network} network"
            in result.stdout.splitlines())
    assert result.stdout.splitlines()[-1] == "1 target: 1 passed, 0 failed; 1 executed, 0 skipped"


def test_an_image_with_another_glibc_than_the_runtime_is_called_out(
        function: Path, tmp_path: Path) -> None:
    # The same probed runtime file, saying glibc 2.34 where the bullseye stand-ins have 2.31.
    newer = tmp_path / "newer.toml"
    text = PROVIDED.read_text(encoding="utf-8")
    assert text.count('value = "2.31"') == 1
    newer.write_text(text.replace('value = "2.31"', 'value = "2.34"')
                     .replace('[runtime."standin-provided"]', '[runtime."standin-newer"]'),
                     encoding="utf-8")
    python_image = STANDIN_IMAGES[1]
    result = lambdacheck("run", function, "--runtime", "standin-newer", "--runtime-file", newer,
                         "--pull", "never", "--image", python_image, "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    (target,) = json.loads(result.stdout)["targets"]
    assert target["execution"]["image"] == python_image
    assert (f"ran in {python_image} (--image), not standin-newer's emulator image "
            f"{STANDIN_IMAGES[0]}") in target["notes"]
    assert (f"{python_image} has glibc 2.31, standin-newer has glibc 2.34: the run and the "
            "static verdict judge different systems; `lambdacheck runtimes probe "
            f"{python_image} --name NAME` describes the image as a runtime file, to check "
            "against with --runtime-file") in target["notes"]

    same = lambdacheck(*run_args(function, "--pull", "never", "--image", python_image,
                                 "--format", "json"))
    (target,) = json.loads(same.stdout)["targets"]
    assert not [note for note in target["notes"] if "glibc" in note]
    assert any(note.startswith(f"ran in {python_image} (--image)") for note in target["notes"])
