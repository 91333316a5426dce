"""Benchmark: the light Engine API client (checker/runner/engine_api.py) against the Docker SDK.

    python benchmarks/engine_client.py [--runs N]

In fresh processes, alternating the two clients in the same minute (LAMBDACHECK_ENGINE_CLIENT=
auto, the light one on a unix socket, and =sdk), the median of N each:
- importing what connect() needs: `-X importtime`'s cumulative figure for
  checker.runner.connection (the light client; target <= 15 ms over the interpreter) and for
  checker.runner.docker (the SDK: docker, requests, urllib3), alone and after the modules
  `run` imports anyway (checker.options, checker.progress, checker.runner.spec ...);
- `lambdacheck run` of benchmarks/run_invoke.py's tiny custom runtime in the stand-in
  (--pull never, host network): wall and CPU (user + sys) time.
Needs the engine and the stand-ins (scripts/build_standins.sh), gcc.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_invoke import STANDINS, build_function

ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ALREADY = ("checker.options, checker.progress, checker.runner.spec, checker.runner.errors, "
           "checker.streams, checker.lambda_env, checker.engine, socket, json")


def import_ms(module: str, after: str = "") -> float:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           f"import {after}; import {module}" if after else f"import {module}"],
                          capture_output=True, text=True, check=True, env=ENV)
    found = re.search(rf"\|\s*(\d+) \| {re.escape(module)}$", done.stderr, re.MULTILINE)
    assert found, done.stderr[-2000:]
    return int(found[1]) / 1000


def run_once(command: list[str], client: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True,
                   env={**ENV, "LAMBDACHECK_ENGINE_CLIENT": client})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000, cpu * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    ENV.setdefault("PYTHONPYCACHEPREFIX",
                   str(Path(tempfile.gettempdir()) / "lambdacheck-bench-pyc"))
    imports = {(module, after): statistics.median(import_ms(module, after) for _ in range(runs))
               for module in ("checker.runner.connection", "checker.runner.docker")
               for after in ("", ALREADY)}
    with tempfile.TemporaryDirectory(prefix="lambdacheck-bench-") as work:
        root = Path(work)
        root.chmod(0o755)
        function, _ = build_function("x86_64", root)
        command = [sys.executable, "-m", "checker", "run", str(function), "--runtime-file",
                   str(STANDINS / "provided.toml"), "-r", "standin-provided", "--arch",
                   "x86_64", "--network", "host", "--pull", "never"]
        run_once(command, "auto")  # warm-up: bytecode, page cache
        times: dict[str, list[tuple[float, float]]] = {"auto": [], "sdk": []}
        for _ in range(runs):
            for client, measured in times.items():
                measured.append(run_once(command, client))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for (module, after), ms in imports.items():
        where = "after run's other modules" if after else "alone"
        print(f"import {module:26} {where:25} {ms:6.1f} ms (median of {runs})")
    for client, label in (("auto", "light"), ("sdk", "SDK")):
        walls = [wall for wall, _ in times[client]]
        cpus = [cpu for _, cpu in times[client]]
        print(f"run with the {label:5} client: wall {statistics.median(walls):.0f} ms "
              f"(min {min(walls):.0f}), cpu {statistics.median(cpus):.0f} ms")


if __name__ == "__main__":
    main()
