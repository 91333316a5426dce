"""The console script's entry: `lambdacheck --version` is answered here, and a plain check or
run command line (checker/argv/parse.py) goes straight to checker/commands.py, before the
command line machinery (typer and its click: a fifth of a check of a tiny ZIP) is imported at
all; everything else goes to checker.cli.main. Every exit goes through checker/funnel.py."""

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
    from checker.argv.parse import parse
    from checker.funnel import debug_split, exit_code

    debug, plain = debug_split(args)
    parsed = parse(plain)
    if parsed is None:
        from checker.cli import main as cli_main

        cli_main(argv)
        return
    command, parameters = parsed
    from checker import commands

    call = commands.check if command == "check" else commands.run
    sys.exit(exit_code(lambda: call(**parameters), debug))
