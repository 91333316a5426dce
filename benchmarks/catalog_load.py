"""Benchmark: the catalog part of a tiny `check` (one runtime from a --runtime-file), warm.

    python benchmarks/catalog_load.py [--runs N] [--runtime-file F] [--runtime NAME] [--arch A]

Each run is a fresh process with the load cache warm (one warm-up run fills it, in a cache
directory of the benchmark's own, removed at the end). A run times, in-process:
- import:  `import checker.catalog.load` and `checker.values` (the modules a check imports
           for the catalog anyway)
- catalog: load_catalog([F]) plus the lookups a check does: the limits, runtime_by_name (as
           resolve.py), the runtime's arches and its platform's libraries (as static.py)
           (target <= 3 ms)
- arches:  every architecture any runtime has, as resolve.py's check of --arch gathers them
           (each runtime by name), after `catalog`
- table:   every runtime's first platform (what `lambdacheck runtimes` lists), after `arches`
- all:     every runtime's value (what `runtimes --for` checks), after `table`
Prints the median of N runs of each, in ms. Measures the checker package Python imports: run it
with PYTHONPATH=<a tree> to measure another checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STANDIN = REPO / "tests" / "data" / "standins" / "provided.toml"

CHILD = r"""
import json, sys, time
started = time.perf_counter()
from checker.catalog.load import load_catalog
from checker.values import runtime_by_name
imported = time.perf_counter()
catalog = load_catalog([__import__("pathlib").Path(sys.argv[1])] if sys.argv[1] else [])
limits = dict(catalog.limits)
runtime = runtime_by_name(sys.argv[2], catalog)
platform = runtime.platform(sys.argv[3])
assert platform is not None and runtime.arches
platform.libraries.get("libc.so.6")
looked_up = time.perf_counter()
known = {a for n in catalog.names() if (r := catalog.get(n)) for a in r.arches}
archesd = time.perf_counter()
glibcs = [r.platform(r.arches[0]) for n in catalog.names() if (r := catalog.runtimes[n])]
tabled = time.perf_counter()
everything = list(catalog.runtimes.values())
listed = time.perf_counter()
print(json.dumps({"import": imported - started, "catalog": looked_up - imported,
                  "arches": archesd - looked_up, "table": tabled - archesd,
                  "all": listed - tabled}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--runtime-file", default=str(STANDIN))
    parser.add_argument("--runtime", default="standin-provided")
    parser.add_argument("--arch", default="x86_64")
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="lambdacheck-bench-cache-"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "LAMBDACHECK_NO_CACHE")}
    env["LAMBDACHECK_CACHE_DIR"] = str(cache)
    try:
        figures: dict[str, list[float]] = {}
        for run in range(args.runs + 1):
            done = subprocess.run([sys.executable, "-c", CHILD, args.runtime_file, args.runtime,
                                   args.arch], capture_output=True, text=True, check=True,
                                  env=env)
            if run == 0:
                continue  # the warm-up fills the cache
            for name, seconds in json.loads(done.stdout).items():
                figures.setdefault(name, []).append(seconds * 1000)
        print(f"median of {args.runs} fresh processes, warm cache, load average "
              f"{os.getloadavg()[0]:.2f}")
        for name, values in figures.items():
            print(f"  {name:8} {statistics.median(values):7.2f} ms  "
                  f"(min {min(values):.2f}, max {max(values):.2f})")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
