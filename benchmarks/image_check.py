"""Benchmark: the static read of a docker-archive against reading every byte of its layers.

Builds (once, cached under --cache) an image FROM the python stand-in with the numpy, scipy,
pandas and pyarrow manylinux wheels for CPython 3.9 unpacked into /var/task (one COPY layer
per package, as a Dockerfile would add them), saves it with `docker save`, then times:

  floor   for each layer: tar -xOf ARCHIVE LAYER | tar -xO > /dev/null
  read    checker.image.reader.read_image on docker-archive:ARCHIVE, with the static check's own
          want_text / want_elf (checker.catalog.from_image) when present

in turn, several rounds, and reports wall time and peak RSS (from wait4's rusage: the largest
of the process and its children; read_image splits the layers across one process per core).

    python benchmarks/image_check.py [--cache DIR] [--runs N] [--packages numpy scipy ...]

Targets (issue 6): within 3x the floor; peak RSS under 150 MB whatever the image size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

BASE = "lambdacheck-standin/python:bullseye"
PACKAGES = ("numpy", "scipy", "pandas", "pyarrow")
PIP_PLATFORM = ("--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64",
                "--platform", "manylinux_2_28_x86_64", "--python-version", "3.9",
                "--only-binary=:all:", "--implementation", "cp")
READ = """
import sys
from checker.image.reader import read_image
from checker.options import ImageRef
try:
    from checker.catalog import from_image as image_runtime
    wants = {"want_text": image_runtime.want_text, "want_elf": image_runtime.want_elf}
except ImportError:
    wants = {}
facts = read_image(ImageRef.parse(sys.argv[1]), **wants)
elf = sum(1 for f in facts.filesystem.files if f.elf is not None)
print(len(facts.filesystem.files), elf, facts.unpacked_size, len(facts.filesystem.anomalies))
"""


def build_archive(cache: Path, packages: tuple[str, ...]) -> Path:
    tag = "lambdacheck-bench/image:" + "-".join(packages)
    archive = cache / ("image-" + "-".join(packages) + ".tar")
    if archive.exists():
        return archive
    wheels = cache / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", str(wheels),
                    *PIP_PLATFORM, *packages], check=True)
    context = cache / "context"
    shutil.rmtree(context, ignore_errors=True)
    lines = [f"FROM {BASE}"]
    for index, wheel in enumerate(sorted(wheels.glob("*.whl"))):
        tree = context / f"w{index}"
        with zipfile.ZipFile(wheel) as bundle:
            bundle.extractall(tree)
        lines.append(f"COPY w{index}/ /var/task/")
    lines.append('CMD ["app.handler"]')
    (context / "Dockerfile").write_text("\n".join(lines) + "\n")
    subprocess.run(["chmod", "-R", "u+rwX,go+rX", str(context)], check=True)
    subprocess.run(["docker", "build", "-q", "-t", tag, str(context)], check=True,
                   stdout=subprocess.DEVNULL)
    partial = archive.with_suffix(".partial")
    subprocess.run(["docker", "save", "-o", str(partial), tag], check=True)
    partial.rename(archive)
    subprocess.run(["docker", "rmi", "-f", tag], check=True, stdout=subprocess.DEVNULL)
    return archive


def layer_members(archive: Path) -> list[str]:
    with tarfile.open(archive) as outer:
        manifest = outer.extractfile("manifest.json")
        assert manifest is not None
        return list(json.load(manifest)[0]["Layers"])


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB (of the process and its children), and stdout."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output = process.stdout.read() if process.stdout else b""
    errors = process.stderr.read() if process.stderr else b""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:3]} failed: {errors.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024, output.decode().strip()


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, dict[str, float]]:
    """Run the commands in turn, `runs` rounds (interleaved, so that load from elsewhere on the
    machine falls on both alike); per command: median and min wall time, peak RSS."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, list[float]] = {name: [] for name in commands}
    outputs: dict[str, str] = {}
    for _ in range(runs):
        for name, command in commands.items():
            wall, peak, outputs[name] = timed(command)
            walls[name].append(wall)
            rss[name].append(peak)
    rows = {}
    for name in commands:
        rows[name] = {"median_s": statistics.median(walls[name]), "min_s": min(walls[name]),
                      "peak_rss_mib": max(rss[name])}
        print(f"{name:<8} median {rows[name]['median_s']:.2f} s  min {rows[name]['min_s']:.2f} s"
              f"  peak RSS {rows[name]['peak_rss_mib']:.0f} MiB  {outputs[name]}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "lambdacheck-bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packages", nargs="+", default=list(PACKAGES))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    archive = build_archive(args.cache, tuple(args.packages))
    layers = layer_members(archive)
    print(f"archive: {archive} ({archive.stat().st_size / 1e6:.0f} MB, {len(layers)} layers)")
    subprocess.run(["cat", str(archive)], stdout=subprocess.DEVNULL, check=True)  # warm cache
    script = "; ".join(f"tar -xOf {archive} {layer} | tar -xO > /dev/null" for layer in layers)
    root = Path(__file__).resolve().parents[1]
    rows = measure({
        "floor": ["bash", "-c", f"set -e -o pipefail; {script}"],
        "read": [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(root)!r})\n{READ}",
                 f"docker-archive:{archive}"],
    }, args.runs)
    floor, read = rows["floor"], rows["read"]
    print(f"read/floor: {read['median_s'] / floor['median_s']:.2f}x median, "
          f"{read['min_s'] / floor['min_s']:.2f}x min (target <= 3x); read peak RSS "
          f"{read['peak_rss_mib']:.0f} MiB (target < 150; the largest of its processes)")


if __name__ == "__main__":
    main()
