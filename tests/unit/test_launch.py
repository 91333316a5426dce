"""checker/launch.py: `--version` answered before the command line machinery is imported."""

from __future__ import annotations

import subprocess
import sys

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
