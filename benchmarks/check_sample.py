"""Benchmark: `lambdacheck check` of the tiny function, sampled over minutes, two installs in turns.

    python benchmarks/check_sample.py --new VENV [--old VENV] [--minutes M]

This machine's speed drifts 1.5-2x between minutes, so a median of a few runs says little
about a target like "check <= 120 ms". This runs the check of cli_floor's tiny ZIP (the static
C bootstrap on the stand-in custom runtime) from VENV/bin/lambdacheck, the --old one right after
it, and `python -c pass`, over and over for M minutes, and prints for each the median, the 10th
and 90th percentiles and the share of runs within 120 ms. Needs gcc (to build the bootstrap).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_invoke import STANDINS, build_function

TARGET_S = 0.120


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=Path, required=True,
                        help="a venv lambdacheck is installed in")
    parser.add_argument("--old", type=Path, help="another one, measured in turns with --new")
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    runtime = ["--runtime-file", str(STANDINS / "provided.toml"), "-r", "standin-provided",
               "--arch", "x86_64"]
    with tempfile.TemporaryDirectory(prefix="lambdacheck-bench-") as directory:
        archive, _ = build_function("x86_64", Path(directory))
        commands = {f"check ({venv})": [str(venv / "bin" / "lambdacheck"), "check", str(archive),
                                        *runtime] for venv in (args.new, args.old) if venv}
        commands["python -c pass"] = [str(args.new / "bin" / "python"), "-c", "pass"]
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():
            timed(command)  # the bytecode and catalog caches, warm
        end = time.monotonic() + args.minutes * 60
        while time.monotonic() < end:
            for name, command in commands.items():
                times[name].append(timed(command))
            time.sleep(0.5)
    for name, values in times.items():
        within = sum(value <= TARGET_S for value in values) / len(values)
        print(f"{name:60} n={len(values)} median {quantile(values, 0.5) * 1000:.0f} ms, "
              f"p10 {quantile(values, 0.1) * 1000:.0f}, p90 {quantile(values, 0.9) * 1000:.0f}, "
              f"<= {TARGET_S * 1000:.0f} ms: {within:.0%}")


if __name__ == "__main__":
    main()
