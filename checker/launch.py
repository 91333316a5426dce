"""The console script's entry: `lambdacheck --version` is answered here, before the command
line machinery (typer, click and, with typer 0.29, pydantic) is imported at all; everything
else goes to checker.cli.main, the single error funnel."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from checker import __version__

        sys.stdout.write(f"lambdacheck {__version__}\n")
        sys.stdout.flush()
        sys.exit(0)
    from checker import startup

    startup.pause()  # until the command's options are resolved (checker/startup.py)
    from checker.cli import main as cli_main

    cli_main(argv)
