"""checker/launch.py: `--version` answered, and a plain check or run handed to checker/commands,
before the command line machinery is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import checker


def test_version_is_answered_without_importing_typer_click_or_the_cli() -> None:
    probe = ("import sys\n"
             "from checker.launch import main\n"
             "try:\n    main(['--version'])\n"
             "except SystemExit as done:\n"
             "    heavy = sorted(m for m in ('typer', 'click', 'pydantic', 'checker.cli')"
             " if m in sys.modules)\n"
             "    print(done.code, heavy)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == [f"lambdacheck {checker.__version__}", "0 []"]


def test_anything_else_goes_to_the_cli_and_its_funnel() -> None:
    done = subprocess.run([sys.executable, "-m", "checker", "--versio"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2
    assert "No such option: --versio" in done.stderr


def test_a_plain_check_or_run_goes_to_the_commands_without_typer(tmp_path: Path) -> None:
    """checker/argv reads them; the error funnel is the same: a missing artifact is one line
    and exit 2, an engine that is not there too (run)."""
    probe = ("import sys\n"
             "from checker.launch import main\n"
             "try:\n    main(sys.argv[1:])\n"
             "except SystemExit as done:\n"
             "    heavy = sorted(m for m in ('typer', 'click', 'checker.cli')\n"
             "                   if m in sys.modules)\n"
             "    print(done.code, heavy)\n")
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    for command in ("check", "run"):
        done = subprocess.run([sys.executable, "-c", probe, command, str(tmp_path / "no.zip"),
                               "-r", "python3.12", "--debug"], capture_output=True, text=True,
                              check=True, env=env, cwd=tmp_path, timeout=120)
        assert done.stdout.splitlines()[-1] == "2 []", command
        assert done.stderr.startswith("lambdacheck: error: "), done.stderr
        assert "no.zip" in done.stderr.splitlines()[0]
        assert "Traceback" not in done.stderr


def test_what_the_plain_parser_leaves_goes_to_typer(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "checker", "check", "--runtime"],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 2
    assert "Option '--runtime' requires an argument" in done.stderr
