"""Benchmark aid: where one `lambdacheck run` of the tiny function spends its wall time.

    python benchmarks/run_timeline.py [--runs N]

Runs `lambdacheck run` (the benchmark function on the stand-in custom runtime, --network host,
--pull never) in a fresh process that prints, in milliseconds since the process's Python code
began, when each of our modules started importing, and each HTTP request to the engine and the
RIE with its duration, and from which thread. The last run's timeline is printed (the first
warms the bytecode and catalog caches). What comes before the first engine request is what
the run adds to the floor (`docker run` + `curl` + `docker rm -f`); the requests themselves
are the engine's own work. Needs the stand-ins (scripts/build_standins.sh) and gcc.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_invoke import STANDINS, build_function

ROOT = Path(__file__).resolve().parents[1]
# Runs inside the measured process: stamps module imports and every request of the runner's
# HTTP client (checker/runner/http1.py serves both the engine and the RIE).
TRACER = r"""
import builtins, sys, threading, time
T0 = time.perf_counter()
def stamp(text):
    name = threading.current_thread().name
    sys.stderr.write(f"{(time.perf_counter() - T0) * 1000:8.1f}  {name[:20]:20}  {text}\n")
original_import = builtins.__import__
seen = set()
def traced_import(name, *args, **kwargs):
    if name.startswith("checker") and name not in seen and name not in sys.modules:
        seen.add(name)
        stamp("import " + name)
    return original_import(name, *args, **kwargs)
builtins.__import__ = traced_import
import checker.runner.http1 as http1
original_request = http1.request
def traced_request(address, method, target, **kwargs):
    started = time.perf_counter()
    try:
        return original_request(address, method, target, **kwargs)
    finally:
        spent = (time.perf_counter() - started) * 1000
        stamp(f"{method} {target.split('?')[0][:60]}  ({spent:.1f} ms)")
http1.request = traced_request
from checker.launch import main
try:
    main(sys.argv[1:])
finally:
    stamp("exit")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="lambdacheck-bench-") as directory:
        work = Path(directory)
        work.chmod(0o755)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        archive, _ = build_function("x86_64", work)
        command = [sys.executable, "-c", TRACER, "run", str(archive), "--runtime-file",
                   str(STANDINS / "provided.toml"), "-r", "standin-provided", "--arch",
                   "x86_64", "--network", "host", "--pull", "never"]
        done = None
        for _ in range(max(1, args.runs)):
            done = subprocess.run(command, capture_output=True, text=True, check=False,
                                  env=env, cwd=work)
        assert done is not None
        if done.returncode != 0:
            raise SystemExit(f"run failed ({done.returncode}): {done.stderr[-2000:]}")
        print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        print("      ms  thread                what")
        for line in done.stderr.splitlines():
            if not line.startswith("lambdacheck:"):  # the run's own progress line
                print(line)


if __name__ == "__main__":
    main()
