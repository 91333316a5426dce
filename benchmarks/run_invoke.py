"""Benchmark: `lambdacheck run` (static checks + invokes) against the raw floor on the same image.

The floor is what a person would type: `docker run` the stand-in with the RIE as entrypoint
(the same sandbox flags lambdacheck sets), wait until it listens, one `curl` to the invoke URL,
`docker rm -f`. Both use the host network and the same static custom runtime (runtime.c).

    python benchmarks/run_invoke.py [--runs N] [--events K]

(a) x86_64: one invoke, lambdacheck vs floor (target: within 1.5x); the cost of each further
    event beyond the function's own duration (target: < 20 ms), from runs with 1 and 1+K events.
(b) arm64 under QEMU: one invoke, lambdacheck vs the floor on the arm64 stand-in.
Where the time goes: `lambdacheck check` on the same ZIP (interpreter, imports, static checks),
and checker.runner.execute() called in this process (the execution alone: unpack, container,
RIE, invoke, removal).
Needs the stand-ins (scripts/build_standins.sh), gcc, aarch64-linux-gnu-gcc, curl, and for (b) a
binfmt_misc aarch64 handler.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STANDINS = ROOT / "tests" / "data" / "standins"
RUNTIME_C = STANDINS / "custom" / "runtime.c"
SETUPS = {  # arch: (compiler, runtime file, runtime name, stand-in image, platform)
    "x86_64": ("gcc", "provided.toml", "standin-provided", "lambdacheck-standin/provided:bullseye",
               "linux/amd64"),
    "arm64": ("aarch64-linux-gnu-gcc", "provided-arm64.toml", "standin-provided-arm64",
              "lambdacheck-standin/provided:bullseye-arm64", "linux/arm64"),
}
INVOKE = "/2015-03-31/functions/function/invocations"


def build_function(arch: str, work: Path) -> tuple[Path, Path]:
    """The function ZIP, and the same unpacked (for the floor's bind mount)."""
    compiler = SETUPS[arch][0]
    binary = work / f"bootstrap-{arch}"
    subprocess.run([compiler, "-O2", "-static", "-o", str(binary), str(RUNTIME_C)], check=True)
    archive = work / f"function-{arch}.zip"
    with zipfile.ZipFile(archive, "w") as out:
        info = zipfile.ZipInfo("bootstrap")
        info.create_system = 3
        info.external_attr = 0o100755 << 16
        out.writestr(info, binary.read_bytes())
    task = work / f"task-{arch}"
    task.mkdir(mode=0o755)
    shutil.copy(binary, task / "bootstrap")
    (task / "bootstrap").chmod(0o755)
    task.chmod(0o755)
    return archive, task


def lambdacheck(arch: str, archive: Path, events: int) -> tuple[float, list[float]]:
    """Wall seconds of one `lambdacheck run`, and each invocation's own duration (ms)."""
    _, runtime_file, runtime, _, _ = SETUPS[arch]
    command = [sys.executable, "-m", "checker", "run", str(archive), "--arch", arch,
               "--runtime-file", str(STANDINS / runtime_file), "-r", runtime, "--network", "host",
               "--pull", "never", "--format", "json"]
    for n in range(events):
        command += ["--event", json.dumps({"n": n})]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    report = json.loads(done.stdout)
    invocations = [i for target in report["targets"] for i in target["invocations"]]
    if done.returncode != 0 or len(invocations) != events or not all(i["ok"] for i in invocations):
        raise SystemExit(f"lambdacheck run failed ({done.returncode}): {done.stdout[-2000:]}")
    return wall, [float(i["duration_ms"]) for i in invocations]


def static_only(arch: str, archive: Path) -> float:
    """Wall seconds of `lambdacheck check` on the same target: the fixed cost before running."""
    _, runtime_file, runtime, _, _ = SETUPS[arch]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "checker", "check", str(archive), "--arch", arch,
                    "--runtime-file", str(STANDINS / runtime_file), "-r", runtime],
                   capture_output=True, check=True)
    return time.perf_counter() - started


def in_process(arch: str, archive: Path) -> float:
    """Wall seconds of checker.runner.execute() for one event, imports already done."""
    sys.path.insert(0, str(ROOT))
    from checker.catalog.load import load_catalog
    from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
    from checker.runner import execute

    _, runtime_file, name, _, _ = SETUPS[arch]
    runtime = load_catalog([STANDINS / runtime_file]).get(name)
    assert runtime is not None
    target = Target(archive, runtime, arch)
    options = ExecOptions(events=(Event("one", json.dumps({"n": 0})),),
                          network=NetworkMode.HOST, pull=PullPolicy.NEVER)
    started = time.perf_counter()
    result = execute([target], options)[target.id]
    if [i.outcome for i in result.invocations] != ["success"]:
        raise SystemExit(f"execute() failed: {result}")
    return time.perf_counter() - started


def free_ports() -> tuple[int, int]:
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        return first.getsockname()[1], second.getsockname()[1]


def floor(arch: str, task: Path) -> float:
    """docker run + wait until the RIE listens + one curl + docker rm -f, in seconds."""
    _, _, _, image, platform = SETUPS[arch]
    rie, api = free_ports()
    started = time.perf_counter()
    container = subprocess.run(
        ["docker", "run", "-d", "--platform", platform, "--network", "host", "--user", "993:990",
         "--read-only", "--tmpfs", "/tmp", "--memory", "128m", "-v", f"{task}:/var/task:ro",
         "-e", "AWS_LAMBDA_FUNCTION_TIMEOUT=3", "-e", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
         "--entrypoint", "/usr/local/bin/aws-lambda-rie", image,
         "--runtime-interface-emulator-address", f"127.0.0.1:{rie}",
         "--runtime-api-address", f"127.0.0.1:{api}"],
        capture_output=True, text=True, check=True).stdout.strip()
    try:
        while subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{rie}/"],
                             check=False).returncode != 0:
            time.sleep(0.01)
        answer = subprocess.run(["curl", "-s", "-XPOST", f"http://127.0.0.1:{rie}{INVOKE}",
                                 "-d", '{"n": 0}'], capture_output=True, text=True, check=True)
        if '"echo"' not in answer.stdout:
            raise SystemExit(f"the floor's invoke failed: {answer.stdout!r}")
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=True)
    return time.perf_counter() - started


def compare(arch: str, archive: Path, task: Path, runs: int) -> tuple[float, float]:
    lambdacheck(arch, archive, 1)  # warm the page cache and the engine
    floor(arch, task)
    ours = statistics.median(lambdacheck(arch, archive, 1)[0] for _ in range(runs))
    raw = statistics.median(floor(arch, task) for _ in range(runs))
    fixed = statistics.median(static_only(arch, archive) for _ in range(runs))
    alone = statistics.median(in_process(arch, archive) for _ in range(runs))
    print(f"{arch:7} one invoke: lambdacheck run {ours * 1000:5.0f} ms   floor {raw * 1000:5.0f} ms"
          f"   ratio {ours / raw:4.2f}x")
    print(f"{'':7} of which: `lambdacheck check` {fixed * 1000:5.0f} ms; execute() in-process "
          f"{alone * 1000:5.0f} ms ({alone / raw:4.2f}x the floor)")
    return ours, raw


def per_event(archive: Path, runs: int, events: int) -> float:
    """Milliseconds each further event costs beyond the function's own duration."""
    costs = []
    for _ in range(runs):
        one, _ = lambdacheck("x86_64", archive, 1)
        many, durations = lambdacheck("x86_64", archive, 1 + events)
        function_ms = statistics.fmean(durations[1:])
        costs.append((many - one) * 1000 / events - function_ms)
    cost = statistics.median(costs)
    print(f"x86_64  each further event: {cost:5.1f} ms beyond the function's own duration "
          f"({events} events, median of {runs})")
    return cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--skip-arm64", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdacheck-bench-") as directory:
        work = Path(directory)
        work.chmod(0o755)
        archive, task = build_function("x86_64", work)
        compare("x86_64", archive, task, args.runs)
        per_event(archive, max(3, args.runs // 2), args.events)
        if not args.skip_arm64:
            arm_archive, arm_task = build_function("arm64", work)
            compare("arm64", arm_archive, arm_task, args.runs)


if __name__ == "__main__":
    main()
