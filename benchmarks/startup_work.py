"""Benchmark: what a plain `lambdacheck check` does before it checks anything, per checkout.

    python benchmarks/startup_work.py [--runs N] [TREE ...]

For each TREE (a checkout's root; default: this one), two tiny ZIPs on the stand-in custom
runtime: the benchmark function (one ELF `bootstrap`, so pyelftools is read) and a shell-script
`bootstrap` (no native code). Printed per tree and ZIP:
- the median wall and CPU (user + sys) time of N fresh `check` processes, and of
  `python -c 'import checker.cli'`; the trees' runs are interleaved, so that a busy machine
  moves every tree alike (on 2 shared cores, compare trees within one invocation only);
- from one instrumented run of the same check: how many modules it imported (and how many of
  them are the project's), how many dataclasses it created (each one exec()s generated code:
  ~0.5-1 ms apiece here) and how many regular expressions it compiled (0.1-0.5 ms apiece),
  and whether it imported pyelftools, email, packaging.specifiers or tomllib.
With bytecode, as an installed package runs, and a warm catalog cache: both per tree, in a temp
dir. Needs gcc.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_invoke import STANDINS, build_function

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ["--runtime-file", str(STANDINS / "provided.toml"), "-r", "standin-provided",
           "--arch", "x86_64"]
WATCHED = ("elftools", "email.parser", "packaging.specifiers", "tomllib")

# Run in the measured process: count dataclasses and compiled patterns, then run the CLI.
PROBE = """
import dataclasses, json, re._compiler, runpy, sys
counts = {"dataclasses": 0, "patterns": 0}
process_class, compile_pattern = dataclasses._process_class, re._compiler.compile
def counted_class(*args, **kwargs):
    counts["dataclasses"] += 1
    return process_class(*args, **kwargs)
def counted_pattern(*args, **kwargs):
    counts["patterns"] += 1
    return compile_pattern(*args, **kwargs)
dataclasses._process_class, re._compiler.compile = counted_class, counted_pattern
before = set(sys.modules)
sys.argv = ["lambdacheck", *sys.argv[1:]]
try:
    runpy.run_module("checker", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
new = set(sys.modules) - before
counts["modules"] = len(new)
counts["own modules"] = sum(1 for name in new if name.split(".")[0] == "checker")
counts["watched"] = sorted(w for w in WATCHED if w in sys.modules)
print(json.dumps(counts), file=sys.stderr)
"""


def environment(tree: Path, cache: Path) -> dict[str, str]:
    """Bytecode and the catalog cache per tree: trees sharing one catalog cache would
    replace each other's entry on every alternate run, and time the catalog's build."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "LAMBDACHECK_CACHE_DIR")}
    env.update(PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=str(cache / "pycache"),
               XDG_CACHE_HOME=str(cache / "xdg"))
    return env


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process running `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): "
                         f"{(done.stdout + done.stderr)[-2000:]}")
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def probe(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, object]:
    script = f"WATCHED = {WATCHED!r}\n{PROBE}"
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, env=env, cwd=cwd, check=False)
    counts: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    return counts


def script_zip(work: Path) -> Path:
    """A function whose bootstrap is a shell script: nothing native in it."""
    archive = work / "script.zip"
    with zipfile.ZipFile(archive, "w") as out:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16
        info.create_system = 3
        out.writestr(info, "#!/bin/sh\nexec sleep 3600\n")
    return archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdacheck-startup-") as directory:
        work = Path(directory)
        work.chmod(0o755)
        elf_zip, _ = build_function("x86_64", work)
        zips = {"ELF bootstrap": elf_zip, "script bootstrap": script_zip(work)}
        envs = {tree: environment(tree.resolve(), work / f"tree-{i}")
                for i, tree in enumerate(args.trees)}
        commands = {"import checker.cli": [sys.executable, "-c", "import checker.cli"]}
        commands.update({f"check, {name}": [sys.executable, "-m", "checker", "check",
                                            str(path), *RUNTIME] for name, path in zips.items()})
        print(f"median of {args.runs} fresh processes per figure; load average "
              f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        for what, command in commands.items():
            figures: dict[Path, list[tuple[float, float]]] = {tree: [] for tree in envs}
            for env in envs.values():
                timed(command, env, work)  # warm the bytecode and page caches
            for _ in range(args.runs):
                for tree, env in envs.items():
                    figures[tree].append(timed(command, env, work))
            print(f"\n{what}")
            for tree, runs in figures.items():
                wall = statistics.median(run[0] for run in runs) * 1000
                cpu = statistics.median(run[1] for run in runs) * 1000
                counts = (probe(command[3:], envs[tree], work) if command[2] == "checker"
                          else None)
                shown = "" if counts is None else "  " + ", ".join(
                    f"{key} {value}" for key, value in counts.items())
                print(f"  {tree!s:40} wall {wall:5.0f} ms  cpu {cpu:5.0f} ms{shown}")
        print(f"\nloaded after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
