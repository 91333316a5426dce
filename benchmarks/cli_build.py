"""Benchmark: what typer's building of the command line costs per call, all commands against
only the one argv names (what checker.cli.main does since issue 13).

    python benchmarks/cli_build.py [--runs N]

In one process (imports done once, as they are by the time main() runs): the median time of
typer.main.get_command() for the full app and for each command alone, i.e. typer turning the
registered signatures into click parameters, which it does on every call of the app.
"""

from __future__ import annotations

import argparse
import statistics
import time
from importlib.metadata import version

import typer

from checker.cli import COMMANDS, build_app


def build_ms(names: tuple[str, ...], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        typer.main.get_command(build_app(*names))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=51)
    args = parser.parse_args()
    build_ms((), 3)  # warm: first-call caches of typing and inspect
    print(f"median of {args.runs} builds, typer {version('typer')}\n")
    print(f"{'app':22} {'build ms':>8}")
    print(f"{'all commands':22} {build_ms((), args.runs):8.2f}")
    for name in COMMANDS:
        print(f"{name + ' alone':22} {build_ms((name,), args.runs):8.2f}")


if __name__ == "__main__":
    main()
