"""Benchmark: `lambdacheck run` of a large ZIP, and of many targets, as users meet them.

    python benchmarks/big_run.py [--runs N] [--megabytes M] [--targets 8,32] [--jobs 1,2,4]

(a) A ZIP of ~M MB (default 60: the static custom runtime plus files of random bytes, which do
    not compress) against the floor on the same ZIP: `unzip -q -d DIR`, then `docker run` the
    stand-in with the RIE as entrypoint + one `curl` + `docker rm -f` (run_invoke.py's floor),
    then `rm -rf DIR` (target: <= 1.2x), and when the first line reaches stderr (target: within
    0.5 s; stderr is a pipe, as in a CI log).
    The fixed cost of any run (interpreter, imports, catalog) is printed apart: "what the size
    adds" compares the big ZIP's run minus the tiny one's with the floor minus its tiny floor.
(b) K targets (K tiny ZIPs, one invoke each) with --jobs J: the wall time of the whole run and
    per target; the floor is K times the single floor, one after the other.
Medians of N runs after one warm-up; the load average is printed (2 cores shared with other
work move every figure). Needs the stand-ins (scripts/build_standins.sh), gcc, unzip and curl.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_invoke import STANDINS, build_function, floor

CLI = [sys.executable, "-m", "checker"]
RUNTIME = ["--runtime-file", str(STANDINS / "provided.toml"), "-r", "standin-provided",
           "--arch", "x86_64", "--network", "host", "--pull", "never"]
FILE_BYTES = 250_000
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def big_zip(small: Path, dest: Path, megabytes: int) -> Path:
    """`small`'s bootstrap plus `megabytes` MB of random files (FILE_BYTES each)."""
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(
            dest, "w", compression=zipfile.ZIP_DEFLATED) as out:
        info = source.getinfo("bootstrap")
        out.writestr(info, source.read(info))
        for index in range(megabytes * 10**6 // FILE_BYTES):
            member = zipfile.ZipInfo(f"data/{index // 100:02d}/blob{index:04d}.bin")
            member.create_system, member.external_attr = 3, 0o100644 << 16
            out.writestr(member, os.urandom(FILE_BYTES), compress_type=zipfile.ZIP_DEFLATED)
    return dest


def lambdacheck_run(artifacts: list[Path], *extra: str) -> tuple[float, float]:
    """(wall seconds, seconds until the first stderr line) of one `lambdacheck run`."""
    first: list[float] = []
    started = time.perf_counter()
    with subprocess.Popen([*CLI, "run", *map(str, artifacts), *RUNTIME, *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV) as process:
        assert process.stdout is not None and process.stderr is not None
        errors = process.stderr

        def watch() -> None:
            lines = iter(errors.readline, b"")
            if next(lines, None) is not None:
                first.append(time.perf_counter() - started)
            for _ in lines:
                pass

        watcher = threading.Thread(target=watch)
        watcher.start()
        output = process.stdout.read()
        process.wait()
        watcher.join()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        text = output.decode("utf-8", "replace")
        failed = [block for block in text.split("\n\n") if block.startswith("FAIL")]
        raise SystemExit(f"lambdacheck run failed ({process.returncode}):\n"
                         + ("\n\n".join(failed) or text[-2000:]))
    return elapsed, first[0] if first else float("nan")


def unzip_floor(archive: Path, work: Path) -> float:
    """unzip -q -d DIR + docker run + curl + docker rm -f + rm -rf DIR, in seconds."""
    task = work / "unzipped"
    started = time.perf_counter()
    subprocess.run(["unzip", "-q", "-d", str(task), str(archive)], check=True)
    task.chmod(0o755)
    try:
        floor("x86_64", task)
    finally:
        shutil.rmtree(task)
    return time.perf_counter() - started


def median_of(measure: Callable[[], tuple[float, ...]], runs: int) -> list[float]:
    measure()  # warm the page cache, the engine and the bytecode cache
    samples = [measure() for _ in range(runs)]
    return [statistics.median(column) for column in zip(*samples, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--megabytes", type=int, default=60)
    parser.add_argument("--targets", default="8,32")
    parser.add_argument("--jobs", default="1,2,4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdacheck-bench-") as directory:
        work = Path(directory)
        work.chmod(0o755)
        ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        small, task = build_function("x86_64", work)
        big = big_zip(small, work / "big.zip", args.megabytes)
        size = big.stat().st_size
        ours, first_line = median_of(lambda: lambdacheck_run([big]), args.runs)
        (raw,) = median_of(lambda: (unzip_floor(big, work),), args.runs)
        (single,) = median_of(lambda: (floor("x86_64", task),), args.runs)
        tiny, _ = median_of(lambda: lambdacheck_run([small]), args.runs)
        print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}; medians "
              f"of {args.runs} runs after one warm-up\n")
        print(f"(a) a {size / 1e6:.0f} MB ZIP ({size / 1e6:.0f} MB zipped)")
        print(f"  lambdacheck run            {ours * 1000:7.0f} ms")
        print(f"  floor (unzip + docker run + curl + rm -f + rm -rf) {raw * 1000:7.0f} ms")
        print(f"  ratio                      {ours / raw:7.2f}x  (target <= 1.2x)")
        print(f"  first line on stderr after {first_line * 1000:7.0f} ms  (target <= 500 ms)")
        print(f"  what the size adds: lambdacheck {(ours - tiny) * 1000:.0f} ms (run of the big "
              f"ZIP - run of the tiny one, {tiny * 1000:.0f} ms), floor {(raw - single) * 1000:.0f}"
              f" ms (unzip + rm -rf); {(ours - tiny) / max(raw - single, 1e-3):.2f}x")
        print(f"\n(b) many targets (tiny ZIPs, one invoke each); the single floor is "
              f"{single * 1000:.0f} ms")
        print(f"  {'targets':>7} {'jobs':>4} {'wall ms':>8} {'per target':>10} {'/ K floors':>10}")
        for count in (int(item) for item in args.targets.split(",")):
            copies = []
            for index in range(count):
                copy = work / f"fn{index:02d}.zip"
                shutil.copy(small, copy)
                copies.append(copy)
            for jobs in (int(item) for item in args.jobs.split(",")):
                def many(copies: list[Path] = copies, jobs: int = jobs) -> tuple[float]:
                    return (lambdacheck_run(copies, "--jobs", str(jobs))[0],)

                (elapsed,) = median_of(many, max(1, args.runs // 3))
                print(f"  {count:7} {jobs:4} {elapsed * 1000:8.0f} {elapsed / count * 1000:10.0f}"
                      f" {elapsed / (count * single):10.2f}x")


if __name__ == "__main__":
    main()
