"""Benchmark: the whole CLI against its floors (issue 13's baseline for the performance work).

    python benchmarks/cli_floor.py [--runs N] [--importtime K]

Each figure is the median wall time of N runs (after one warm-up), each a fresh process, and
the median CPU time (user + sys) of the process, which other load moves much less:
- `lambdacheck --version`                      (target <= 60 ms)
- `lambdacheck check` of a tiny ZIP (one static custom runtime, the stand-in runtime file)
                                               (target <= 120 ms)
- `lambdacheck run` of the same ZIP: static checks + one invocation in the stand-in
  (--pull never, host network), against the floor a person would type: `docker run` the
  stand-in with the RIE as entrypoint, wait until it listens, one `curl`, `docker rm -f`
  (benchmarks/run_invoke.py's floor)          (target <= 1.5x the floor)
- `python3 -c 'import typer'` and `checker.cli` (typer 0.29 also imported pydantic, hence the pin `<0.29`)
  it parses), `checker.cli`: what the command line machinery costs before any check runs
- `python3 -c pass`: the interpreter's own start (site and its .pth files included), the floor
  under every figure above
- `python3 -X importtime -c 'import checker.cli'`: the K modules costing most (cumulative).
The load average is printed with the figures: other work on the machine moves them.
Needs the stand-ins (scripts/build_standins.sh), gcc and curl. Measures the checker package
Python imports: run it with PYTHONPATH=<a tree> to measure another checkout.
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


def import_offenders(count: int) -> list[tuple[int, int, str]]:
    """(cumulative us, self us, module) of the `count` costliest imports of checker.cli."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import checker.cli"],
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
    args = parser.parse_args()
    cli = [sys.executable, "-m", "checker"]
    runtime = ["--runtime-file", str(STANDINS / "provided.toml"), "-r", "standin-provided",
               "--arch", "x86_64"]
    with tempfile.TemporaryDirectory(prefix="lambdacheck-bench-") as directory:
        work = Path(directory)
        work.chmod(0o755)
        ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        archive, task = build_function("x86_64", work)
        version = timed([*cli, "--version"], args.runs)
        check = timed([*cli, "check", str(archive), *runtime], args.runs)
        run = timed([*cli, "run", str(archive), *runtime, "--network", "host",
                     "--pull", "never"], args.runs)
        raw = median(lambda: floor("x86_64", task), args.runs)
        interpreter = timed([sys.executable, "-c", "pass"], args.runs)
        imports = [(f"python3 -c 'import {module}'", timed(
            [sys.executable, "-c", f"import {module}"], args.runs))
            for module in ("typer", "checker.cli")]
        offenders = import_offenders(args.importtime)  # the bytecode cache is warm by now
    rows = [("lambdacheck --version", *version, "<= 60 ms"),
            ("lambdacheck check (tiny ZIP)", *check, "<= 120 ms"),
            ("lambdacheck run (static + 1 invoke)", *run,
             f"<= {1.5 * raw * 1000:.0f} ms (1.5x)"),
            ("floor: docker run + curl + docker rm -f", raw, None, ""),
            ("interpreter: python3 -c pass", *interpreter, ""),
            *((name, *figures, "") for name, figures in imports)]
    print(f"median of {args.runs} runs each (after one warm-up); load average "
          f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}\n")
    print(f"{'what':42} {'wall ms':>7} {'cpu ms':>7}  target")
    for name, seconds, cpu, target in rows:
        shown = f"{cpu * 1000:7.0f}" if cpu is not None else f"{'':7}"
        print(f"{name:42} {seconds * 1000:7.0f} {shown}  {target}")
    run_wall = run[0]
    print(f"{'run / floor':42} {run_wall / raw:7.2f}x")
    print(f"\n`{sys.executable} -X importtime -c 'import checker.cli'`, "
          f"the {args.importtime} costliest (cumulative):")
    print(f"{'cumulative ms':>13} {'self ms':>8}  module")
    for cumulative, own, name in offenders:
        print(f"{cumulative / 1000:13.1f} {own / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
