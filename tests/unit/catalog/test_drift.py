"""The shipped catalog is what scripts/generate_catalog.py makes of its vendored input.

tests/data/live-dumps/full/ holds the generator's whole input (shogo82148/docker-lambda's file
lists and rpm lists, cfn-lint's lifecycle table), trimmed by `--write-inputs` to the lines the
generator reads, with SOURCE files naming repository, commit and dump date of every file. CI
cannot reach GitHub; this test regenerates from that copy and fails on any difference from
runtimes/, naming the first differing file and line and the command that regenerates.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "generate_catalog.py"
FULL = ROOT / "tests" / "data" / "live-dumps" / "full"
RUNTIMES = ROOT / "runtimes"
HAND_WRITTEN = {"sources-curated.toml", "limits.toml"}  # the generator never writes these
REGENERATE = ("python3 scripts/generate_catalog.py --dumps tests/data/live-dumps/full/docker-lambda"
              " --lifecycle tests/data/live-dumps/full/cfn-lint --out runtimes")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          check=False, timeout=120)


def tree(directory: Path, pattern: str) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob(pattern)) if p.is_file()}


def first_difference(name: str, shipped: bytes, made: bytes) -> str:
    diff = difflib.unified_diff(shipped.decode().splitlines(), made.decode().splitlines(),
                                f"runtimes/{name}", "generated", n=0, lineterm="")
    lines = [line for line in diff if not line.startswith(("---", "+++"))]
    return "\n".join(lines[:6])


def test_shipped_catalog_is_what_the_generator_makes(tmp_path: Path) -> None:
    done = run("--dumps", str(FULL / "docker-lambda"), "--lifecycle", str(FULL / "cfn-lint"),
               "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    made = tree(tmp_path, "*.toml")
    shipped = {k: v for k, v in tree(RUNTIMES, "*.toml").items() if k not in HAND_WRITTEN}
    assert len(made) > 50  # every runtime Lambda has had, the three OSes, sources.toml
    missing = sorted(set(made) - set(shipped))
    extra = sorted(set(shipped) - set(made))
    assert not missing, f"runtimes/ lacks {missing[0]}; regenerate: {REGENERATE}"
    assert not extra, (f"runtimes/{extra[0]} is not generated (hand-written files are "
                       f"{sorted(HAND_WRITTEN)}); remove it or regenerate: {REGENERATE}")
    for name in sorted(made):
        assert shipped[name] == made[name], (
            f"runtimes/{name} drifted from the generator:\n"
            f"{first_difference(name, shipped[name], made[name])}\nregenerate: {REGENERATE}")


def test_vendored_input_is_a_fixed_point_of_write_inputs(tmp_path: Path) -> None:
    """Trimming the trimmed input keeps every line: nothing the generator reads is missing."""
    done = run("--dumps", str(FULL / "docker-lambda"), "--lifecycle", str(FULL / "cfn-lint"),
               "--write-inputs", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert tree(tmp_path, "*") == tree(FULL, "*")


def test_vendored_input_stays_small() -> None:
    size = sum(len(data) for data in tree(FULL, "*").values())
    assert 50_000 < size < 600_000, size
