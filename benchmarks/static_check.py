"""Benchmark: `lambdacheck check` on a large real artifact against `unzip -t` on the same ZIP.

Builds (once, cached under --cache) a ZIP of the numpy + scipy + pandas manylinux wheels for
CPython 3.12 unpacked into one tree, like `pip install -t build/` would leave it, then times
both commands several times and reports wall time and peak RSS (from wait4's rusage).

    python benchmarks/static_check.py [--cache DIR] [--runs N]

Targets (issue 2): no slower than `unzip -t`, peak RSS under 100 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

PACKAGES = ("numpy", "scipy", "pandas")
PIP_PLATFORM = ("--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64",
                "--python-version", "3.12", "--only-binary=:all:", "--implementation", "cp")


def build_artifact(cache: Path) -> Path:
    artifact = cache / "numpy-scipy-pandas-cp312.zip"
    if artifact.exists():
        return artifact
    wheels = cache / "wheels"
    tree = cache / "tree"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", str(wheels),
                    *PIP_PLATFORM, *PACKAGES], check=True)
    shutil.rmtree(tree, ignore_errors=True)
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(tree)
    subprocess.run(["chmod", "-R", "u+rwX,go+rX", str(tree)], check=True)
    partial = artifact.with_suffix(".partial")
    subprocess.run(["zip", "-q", "-r", "-y", str(partial.resolve()), "."], cwd=tree, check=True)
    partial.rename(artifact)
    return artifact


def timed(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, exit code of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def measure(name: str, command: list[str], runs: int) -> dict[str, float]:
    walls, rss = [], []
    for _ in range(runs):
        wall, peak, _code = timed(command)
        walls.append(wall)
        rss.append(peak)
    row = {"median_s": statistics.median(walls), "min_s": min(walls), "peak_rss_mib": max(rss)}
    print(f"{name:<22} median {row['median_s']:.2f} s  min {row['min_s']:.2f} s  "
          f"peak RSS {row['peak_rss_mib']:.0f} MiB")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "lambdacheck-bench")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    artifact = build_artifact(args.cache)
    with zipfile.ZipFile(artifact) as archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
    print(f"artifact: {artifact} ({artifact.stat().st_size / 1e6:.0f} MB zipped, "
          f"{unpacked / 1e6:.0f} MB unzipped, {len(members)} members)")
    floor = measure("unzip -tq", ["unzip", "-tq", str(artifact)], args.runs)
    ours = measure("lambdacheck check", [sys.executable, "-m", "checker", "check", str(artifact),
                                         "--runtime", "python3.12"], args.runs)
    print(f"ratio (median): {ours['median_s'] / floor['median_s']:.2f}x unzip -t")


if __name__ == "__main__":
    main()
