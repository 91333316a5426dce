"""checker.startup: the collector is off while a process starts and on again once its command
works, in every command; one a caller turned off stays off. The gc module is the real one;
the CLI cases run in fresh processes (the collector is process state)."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker import startup
from tests.build.zips import File, make_zip

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "data" / "standins" / "provided.toml"


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does, the collector is on again afterwards (pytest needs it)."""
    try:
        yield
    finally:
        startup._paused = False
        gc.enable()


@pytest.mark.usefixtures("collector")
def test_pause_turns_the_collector_off_and_resume_on_again() -> None:
    assert gc.isenabled()
    startup.pause()
    assert not gc.isenabled()
    frozen = gc.get_freeze_count()
    kept = [object() for _ in range(10)]  # alive at resume: frozen with the rest
    startup.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen
    gc.unfreeze()
    del kept


@pytest.mark.usefixtures("collector")
def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    startup.pause()
    startup.resume()
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_resume_without_pause_changes_nothing() -> None:
    startup.resume()
    assert gc.isenabled()
    gc.disable()
    startup.resume()
    assert not gc.isenabled()


@pytest.mark.parametrize("command", [
    ["check", "{zip}", "--runtime-file", str(STANDIN), "-r", "standin-provided"],
    ["plan", "{zip}", "--runtime-file", str(STANDIN), "-r", "standin-provided"],
    ["inspect", "{zip}"],
    ["runtimes", "show", "python3.12"],
    ["runtimes"],
])
def test_every_command_works_with_the_collector_on(tmp_path: Path, command: list[str]) -> None:
    """The console script's entry (checker.launch.main) pauses it; the process then runs a
    real command and reports, at its exit, whether the collector is on."""
    archive = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    args = [part.replace("{zip}", str(archive)) for part in command]
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('collector on:', gc.isenabled(), file=sys.stderr))\n"
        "from checker.launch import main\n"
        f"main({args!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=False, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr.splitlines()[-1] == "collector on: True", done.stderr


def test_a_plain_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    """A check of a ZIP with no ELF, no package.json and no config, from a warm catalog
    cache, leaves out what only other work needs: typer and click (a plain command line is
    read by checker/argv), packaging (a version that is no plain release), hashlib (a cache
    load that must hash a file), json, tomllib (a cache miss), concurrent.futures and
    logging, difflib (a did-you-mean), shlex (an image's shell-form entrypoint),
    importlib.resources, tempfile, pyelftools. What the interpreter imported before
    lambdacheck starts (site and the .pth files of this Python's site-packages) does not
    count."""
    archive = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    probe = ("import sys\n"
             "at_start = set(sys.modules)\n"
             "from checker.launch import main\n"
             "try:\n"
             f"    main(['check', {str(archive)!r}, '-r', 'provided.al2023'])\n"
             "except SystemExit as done:\n"
             "    unused = ('typer', 'click', 'checker.cli', 'packaging', 'hashlib', 'json',\n"
             "              'tomllib', 'tomli', 'concurrent.futures', 'difflib', 'shlex',\n"
             "              'logging', 'importlib.resources', 'tempfile', 'elftools')\n"
             "    print(done.code, sorted(m for m in unused\n"
             "                           if m in sys.modules and m not in at_start))\n")
    env = {**__import__("os").environ, "LAMBDACHECK_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True, env=env, cwd=tmp_path) for _ in range(2)]
    first, second = (run.stdout.splitlines()[-1] for run in runs)  # after the report
    assert first.startswith("0 ") and "toml" in first, first  # a miss: it parsed the catalog
    assert second == "0 []", runs[1].stdout + runs[1].stderr
