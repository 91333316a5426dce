"""Benchmark: the whole CLI against its floors (issue 13's baseline for the performance work).

    python benchmarks/cli_floor.py [--runs N] [--importtime K] [--venv DIR] [--instructions]

Each figure is the median wall time of N runs (after one warm-up), each a fresh process, and
the median CPU time (user + sys) of the process, which other load moves much less:
- `lambdacheck --version`                      (target <= 60 ms)
- `lambdacheck check` of a tiny ZIP (one static custom runtime, the stand-in runtime file)
                                               (target <= 120 ms)
- `lambdacheck run` of the same ZIP: static checks + one invocation in the stand-in
  (--pull never, host network), against the floor a person would type: `docker run` the
  stand-in with the RIE as entrypoint, wait until it listens, one `curl`, `docker rm -f`
  (benchmarks/run_invoke.py's floor), the two measured in turns, the ratio of each pair
  (its median printed)                        (target <= 1.5x the floor)
- `python3 -c 'import typer'` and `python3 -c 'import checker.cli'`: what the command line
  machinery costs --help, a usage error and every command but a plain check or run, which
  checker/argv reads without it (typer 0.29 also imported pydantic, hence the pin `<0.29`)
- `python3 -c pass`: the interpreter's own start (site and its .pth files included), the floor
  under every figure above
- `python3 -X importtime -c 'import checker.cli'`: the K modules costing most (cumulative).
The load average is printed with the figures: other work on the machine moves them.
Needs the stand-ins (scripts/build_standins.sh), gcc and curl. Measures the checker package
Python imports: run it with PYTHONPATH=<a tree> to measure another checkout.

--instructions also counts the instructions each command executes (valgrind's cachegrind, one
run each, ~50x slower): unlike times, the same on a busy machine as on a quiet one, so two
trees compare exactly.

--venv DIR measures lambdacheck as a user runs it: DIR/bin/lambdacheck (the console script pip
writes) and DIR/bin/python, in a virtual environment lambdacheck is installed in
(`python -m venv DIR && DIR/bin/pip install .`). Without it, `python -m checker` runs with this
interpreter and its site-packages, whose .pth files run at every start (on this machine one
imports certifi: ~20 ms of every figure that is not lambdacheck's).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_invoke import STANDINS, build_function, floor

# As an installed package runs: with bytecode (pip compiles it at install). Without it (this
# machine sets PYTHONDONTWRITEBYTECODE=1) every run compiles ~80 modules of ours from source.
# The bytecode goes to a cache of the benchmark's own (PYTHONPYCACHEPREFIX), not the tree.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


CPU: list[float] = []  # the CPU seconds (user + sys) of each process wall() ran, in order


def wall(command: list[str]) -> float:
    """The wall time of `command`; its CPU time is appended to CPU (stable under load, where
    wall times of other processes' waiting for the 2 cores are not)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=ENV)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): "
                         f"{(done.stdout + done.stderr)[-2000:]}")
    return elapsed


def median(measure: Callable[[], float], runs: int) -> float:
    measure()  # warm the page cache, the engine and the bytecode cache
    del CPU[:]
    return statistics.median(measure() for _ in range(runs))


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall and median CPU seconds of `command`."""
    elapsed = median(lambda: wall(command), runs)
    return elapsed, statistics.median(CPU)


def instructions(command: list[str]) -> int:
    """Instructions `command` executes, counted by valgrind (cachegrind, no cache simulation)."""
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", *command],
                          capture_output=True, text=True, check=False, env=ENV)
    for line in done.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.rsplit(":", 1)[1].replace(",", ""))
    raise SystemExit(f"valgrind counted nothing: {done.stderr[-500:]}")


def paired(command: list[str], other: Callable[[], float],
           runs: int) -> tuple[float, float, float, float]:
    """`command` and `other` in turns, `runs` times each (after one warm-up of each): median
    wall and CPU seconds of `command`, median wall of `other`, and the median of the ratios of
    each pair. The machine's speed drifts between minutes here; a pair measured in the same
    second is far steadier than two medians taken one after the other."""
    wall(command)
    other()
    del CPU[:]
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(wall(command))
        theirs.append(other())
    ratios = [mine / floor_s for mine, floor_s in zip(ours, theirs, strict=True)]
    return (statistics.median(ours), statistics.median(CPU), statistics.median(theirs),
            statistics.median(ratios))


def import_offenders(python: str, count: int) -> list[tuple[int, int, str]]:
    """(cumulative us, self us, module) of the `count` costliest imports of checker.cli."""
    done = subprocess.run([python, "-X", "importtime", "-c", "import checker.cli"],
                          capture_output=True, text=True, check=True, env=ENV)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = (part.strip() for part in
                                 line.removeprefix("import time:").split("|"))
        rows.append((int(cumulative), int(own), name))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--importtime", type=int, default=15)
    parser.add_argument("--venv", type=Path, help="a venv lambdacheck is installed in")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions with valgrind")
    args = parser.parse_args()
    python = str(args.venv / "bin" / "python") if args.venv else sys.executable
    cli = [str(args.venv / "bin" / "lambdacheck")] if args.venv else [python, "-m", "checker"]
    runtime = ["--runtime-file", str(STANDINS / "provided.toml"), "-r", "standin-provided",
               "--arch", "x86_64"]
    with tempfile.TemporaryDirectory(prefix="lambdacheck-bench-") as directory:
        work = Path(directory)
        work.chmod(0o755)
        ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        archive, task = build_function("x86_64", work)
        version = timed([*cli, "--version"], args.runs)
        check = timed([*cli, "check", str(archive), *runtime], args.runs)
        run_wall, run_cpu, raw, ratio = paired(
            [*cli, "run", str(archive), *runtime, "--network", "host", "--pull", "never"],
            lambda: floor("x86_64", task), args.runs)
        interpreter = timed([python, "-c", "pass"], args.runs)
        imports = [(f"python3 -c 'import {module}'", timed(
            [python, "-c", f"import {module}"], args.runs))
            for module in ("typer", "checker.cli")]
        offenders = import_offenders(python, args.importtime)  # the bytecode cache is warm
        counted = [(name, instructions(command)) for name, command in (
            ("python3 -c pass", [python, "-c", "pass"]),
            ("python3 -c 'import typer'", [python, "-c", "import typer"]),
            ("lambdacheck --version", [*cli, "--version"]),
            ("lambdacheck check (tiny ZIP)", [*cli, "check", str(archive), *runtime]),
        )] if args.instructions else []
    rows = [("lambdacheck --version", *version, "<= 60 ms"),
            ("lambdacheck check (tiny ZIP)", *check, "<= 120 ms"),
            ("lambdacheck run (static + 1 invoke)", run_wall, run_cpu,
             f"<= {1.5 * raw * 1000:.0f} ms (1.5x)"),
            ("floor: docker run + curl + docker rm -f", raw, None, ""),
            ("interpreter: python3 -c pass", *interpreter, ""),
            *((name, *figures, "") for name, figures in imports)]
    print(f"{' '.join(cli)}: median of {args.runs} runs each (after one warm-up); load average "
          f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}\n")
    print(f"{'what':42} {'wall ms':>7} {'cpu ms':>7}  target")
    for name, seconds, cpu, target in rows:
        shown = f"{cpu * 1000:7.0f}" if cpu is not None else f"{'':7}"
        print(f"{name:42} {seconds * 1000:7.0f} {shown}  {target}")
    print(f"{'run / floor (median of paired runs)':42} {ratio:7.2f}x  <= 1.5x")
    if counted:
        print(f"\n{'instructions (valgrind)':42} {'millions':>8}")
        for name, count in counted:
            print(f"{name:42} {count / 1e6:8.1f}")
    print(f"\n`{python} -X importtime -c 'import checker.cli'`, "
          f"the {args.importtime} costliest (cumulative):")
    print(f"{'cumulative ms':>13} {'self ms':>8}  module")
    for cumulative, own, name in offenders:
        print(f"{cumulative / 1000:13.1f} {own / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
