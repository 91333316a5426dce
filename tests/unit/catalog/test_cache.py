"""The catalog's load cache (checker/catalog/cache.py, used by catalog/load.py): a hit gives the
catalog the files define, anything changed or amiss gives a fresh build, never a crash.

Each test has a cache directory of its own (LAMBDACHECK_CACHE_DIR), and a copy of the shipped
runtimes/ where it edits files. Whether a load came from the cache is shown without mocks: an
entry written under the right key but holding a different (real) catalog is what a hit returns.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from checker.catalog import cache
from checker.catalog.load import load_catalog
from checker.catalog.model import Catalog
from checker.errors import CatalogError

REPO = Path(__file__).resolve().parents[3]
TODAY = date(2026, 11, 24)
RUNTIME_FILE = """\
[sources.mine]
title = "my own image"

[runtime."python3.12"]
os = "al2023"
family = "python"
language_version = "3.12"
arches = ["x86_64"]
image = "example.invalid/mine:{tag}"
sources = ["mine"]
"""


@pytest.fixture
def where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("LAMBDACHECK_CACHE_DIR", str(directory))
    monkeypatch.delenv("LAMBDACHECK_NO_CACHE", raising=False)
    return directory


@pytest.fixture
def runtimes(tmp_path: Path) -> Path:
    copy = tmp_path / "runtimes"
    shutil.copytree(REPO / "runtimes", copy)
    return copy


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*")) if directory.is_dir() else []


def only_entry(directory: Path) -> Path:
    (entry,) = entries(directory)
    assert entry.name.startswith("catalog-") and entry.suffix == ".pickle"
    return entry


def image(catalog: Catalog, name: str = "python3.12", arch: str = "x86_64") -> str:
    runtime = catalog.get(name)
    assert runtime is not None
    return runtime.platforms[arch].image


def test_a_hit_returns_a_catalog_equal_to_a_fresh_build(where: Path, runtimes: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_catalog(today=TODAY, directory=runtimes)
    only_entry(where)
    second = load_catalog(today=TODAY, directory=runtimes)
    monkeypatch.setenv("LAMBDACHECK_NO_CACHE", "1")
    fresh = load_catalog(today=TODAY, directory=runtimes)
    assert second == first == fresh
    assert second is not first
    # written out by hand from runtimes/python3.12.toml (one multi-arch image) and al2023.toml
    assert image(second) == "public.ecr.aws/lambda/python:3.12"
    assert second.runtimes["python3.12"].platforms["arm64"].glibc == "2.34"


def test_a_load_reads_the_entry_stored_under_its_key(where: Path, runtimes: Path,
                                                    tmp_path: Path) -> None:
    load_catalog(today=TODAY, directory=runtimes)
    entry = only_entry(where)
    header = entry.read_bytes().split(b"\n", 2)
    key = header[1].decode()
    # a real catalog that differs: the shipped one plus a runtime file replacing python3.12
    mine = tmp_path / "mine.toml"
    mine.write_text(RUNTIME_FILE.format(tag="other"))
    other = load_catalog([mine], today=TODAY, directory=runtimes)
    assert image(other) == "example.invalid/mine:other"
    cache.write_cached(where, entry.name, key, other)
    assert image(load_catalog(today=TODAY, directory=runtimes)) == "example.invalid/mine:other"


def test_a_changed_catalog_file_invalidates_the_entry(where: Path, runtimes: Path) -> None:
    assert image(load_catalog(today=TODAY, directory=runtimes)) == \
        "public.ecr.aws/lambda/python:3.12"
    toml = runtimes / "python3.12.toml"
    toml.write_text(toml.read_text().replace('python:3.12"', 'python:3.12-edited"'))
    assert image(load_catalog(today=TODAY, directory=runtimes)) == \
        "public.ecr.aws/lambda/python:3.12-edited"
    assert len(entries(where)) == 1  # the same set of files keeps one entry, replaced


def test_a_changed_runtime_file_invalidates_the_entry(where: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(RUNTIME_FILE.format(tag="one"))
    assert image(load_catalog([mine], today=TODAY)) == "example.invalid/mine:one"
    mine.write_text(RUNTIME_FILE.format(tag="two"))
    assert image(load_catalog([mine], today=TODAY)) == "example.invalid/mine:two"
    assert image(load_catalog(today=TODAY)) == "public.ecr.aws/lambda/python:3.12"
    assert len(entries(where)) == 2  # with and without the runtime file


def test_the_day_is_part_of_the_key(where: Path, runtimes: Path) -> None:
    # python3.7: block_update 2027-03-03 (runtimes/python3.7.toml); the note's verb is dated
    before = load_catalog(today=date(2026, 1, 1), directory=runtimes)
    after = load_catalog(today=date(2027, 6, 1), directory=runtimes)
    assert "Lambda blocks updating python3.7 functions from 2027-03-03" in \
        before.runtimes["python3.7"].notes
    assert "Lambda has blocked updating python3.7 functions from 2027-03-03" in \
        after.runtimes["python3.7"].notes
    assert len(entries(where)) == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other-magic"])
def test_a_corrupted_entry_is_ignored_and_replaced(where: Path, runtimes: Path,
                                                   damage: str) -> None:
    good = load_catalog(today=TODAY, directory=runtimes)
    entry = only_entry(where)
    data = entry.read_bytes()
    magic, key, payload = data.split(b"\n", 2)
    entry.write_bytes({
        "garbage": magic + b"\n" + key + b"\n" + b"\x80\x05not a pickle at all" * 50,
        "truncated": data[: len(data) // 2],
        "empty": b"",
        "other-magic": b"lambdacheck-catalog-cache 0\n" + key + b"\n" + payload,
    }[damage])
    assert load_catalog(today=TODAY, directory=runtimes) == good
    assert entry.read_bytes() == data  # rebuilt and written again


def test_an_entry_others_can_write_is_not_trusted(where: Path, runtimes: Path,
                                                  tmp_path: Path) -> None:
    load_catalog(today=TODAY, directory=runtimes)
    entry = only_entry(where)
    key = entry.read_bytes().split(b"\n", 2)[1].decode()
    mine = tmp_path / "mine.toml"
    mine.write_text(RUNTIME_FILE.format(tag="planted"))
    cache.write_cached(where, entry.name, key, load_catalog([mine], today=TODAY))
    entry.chmod(0o666)  # a pickle runs code when read: one anybody may write is skipped
    assert image(load_catalog(today=TODAY, directory=runtimes)) == \
        "public.ecr.aws/lambda/python:3.12"


def test_an_unwritable_cache_directory_means_no_cache(tmp_path: Path, runtimes: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # a regular file where the directory should be: mkdir fails even for root
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("LAMBDACHECK_CACHE_DIR", str(blocker / "lambdacheck"))
    catalog = load_catalog(today=TODAY, directory=runtimes)
    assert image(catalog) == "public.ecr.aws/lambda/python:3.12"
    assert load_catalog(today=TODAY, directory=runtimes) == catalog
    assert blocker.read_text() == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir", "runtimes"]


def test_no_cache_turns_it_off(where: Path, runtimes: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDACHECK_NO_CACHE", "1")
    load_catalog(today=TODAY, directory=runtimes)
    assert entries(where) == []
    monkeypatch.setenv("LAMBDACHECK_NO_CACHE", "0")
    load_catalog(today=TODAY, directory=runtimes)
    only_entry(where)


def test_the_default_place_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LAMBDACHECK_CACHE_DIR")
    monkeypatch.delenv("LAMBDACHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "lambdacheck"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: only absolute
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "lambdacheck"


def test_an_invalid_catalog_is_an_error_every_time_and_never_cached(where: Path,
                                                                    tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[runtime."x"]\nos = "al2023"\nfamily = "python"\narches = "x86_64"\n')
    for _ in range(2):
        with pytest.raises(CatalogError, match=r"bad\.toml"):
            load_catalog([bad], today=TODAY)
    assert entries(where) == []


@pytest.mark.usefixtures("where")
def test_a_hit_imports_neither_the_toml_parser_nor_the_schema() -> None:
    code = ("import sys; from checker.catalog.load import load_catalog; load_catalog(); "
            "print(sorted(m for m in ('tomllib', 'tomli', 'checker.catalog.build', "
            "'checker.catalog.schema', 'checker.schema', 'checker.catalog.merge') "
            "if m in sys.modules))")
    def run() -> str:
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                              text=True, check=True)
        return done.stdout.strip()
    miss = run()
    assert "checker.catalog.merge" in miss
    assert run() == "[]"


# ---- the index: one runtime read on demand, the rest from the index ----------------------------

@pytest.mark.usefixtures("where")
def test_a_hit_gives_names_and_arches_from_its_index_and_each_runtime_as_built(
        runtimes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(today=TODAY, directory=runtimes)
    hit = load_catalog(today=TODAY, directory=runtimes)
    assert isinstance(hit.runtimes, cache.RuntimeIndex)  # a hit, read on demand
    monkeypatch.setenv("LAMBDACHECK_NO_CACHE", "1")
    fresh = load_catalog(today=TODAY, directory=runtimes)
    assert hit.names() == fresh.names()
    assert "python3.12" in hit.runtimes and "python9.9" not in hit.runtimes
    assert hit.get("python9.9") is None
    assert hit.get("nodejs22.x") == fresh.get("nodejs22.x")
    assert hit.get("nodejs22.x") is hit.get("nodejs22.x")  # read once
    assert len(hit.runtimes) == len(fresh.runtimes)
    assert set(hit.arches()) == {"x86_64", "arm64"} == set(fresh.arches())
    assert hit.sources == fresh.sources and hit.limits == fresh.limits
    # more than a few one by one: the rest come from the whole catalog, still equal
    assert [hit.runtimes[name] for name in hit.names()] == \
        [fresh.runtimes[name] for name in fresh.names()]
    assert list(hit.runtimes.values()) == list(fresh.runtimes.values())


def test_an_entry_damaged_under_a_loaded_catalog_means_a_build_from_the_files(
        where: Path, runtimes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(today=TODAY, directory=runtimes)
    hit = load_catalog(today=TODAY, directory=runtimes)  # nothing read but the index yet
    entry = only_entry(where)
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 3] + b"\x80\x05garbage" * 100)  # in place
    monkeypatch.setenv("LAMBDACHECK_NO_CACHE", "1")
    fresh = load_catalog(today=TODAY, directory=runtimes)
    assert hit.get("python3.12") == fresh.get("python3.12")
    assert hit.sources == fresh.sources
    assert hit == fresh


@pytest.mark.usefixtures("where")
def test_a_same_size_edit_with_its_mtime_put_back_is_seen(tmp_path: Path) -> None:
    # within one clock tick of the entry, or with its mtime restored (tar, rsync -t), only
    # ctime or the text itself shows the change: "one" and "two" have the same size
    mine = tmp_path / "mine.toml"
    mine.write_text(RUNTIME_FILE.format(tag="one"))
    before = mine.stat()
    assert image(load_catalog([mine], today=TODAY)) == "example.invalid/mine:one"
    mine.write_text(RUNTIME_FILE.format(tag="two"))
    os.utime(mine, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert mine.stat().st_size == before.st_size
    assert image(load_catalog([mine], today=TODAY)) == "example.invalid/mine:two"


def test_a_touched_file_with_the_same_text_still_gives_the_same_catalog(where: Path,
                                                                         runtimes: Path) -> None:
    first = load_catalog(today=TODAY, directory=runtimes)
    toml = runtimes / "python3.12.toml"
    toml.write_text(toml.read_text())  # new mtime and ctime, the same text
    assert load_catalog(today=TODAY, directory=runtimes) == first
    only_entry(where)


@pytest.mark.usefixtures("where")
def test_a_runtime_file_gone_after_it_was_cached_is_an_error(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(RUNTIME_FILE.format(tag="one"))
    load_catalog([mine], today=TODAY)
    mine.unlink()
    with pytest.raises(CatalogError, match=r"mine\.toml"):
        load_catalog([mine], today=TODAY)
    mine.mkdir()  # a directory where the file was: not a stale hit either
    with pytest.raises(CatalogError, match=r"mine\.toml"):
        load_catalog([mine], today=TODAY)


def test_once_the_files_are_older_than_the_racy_window_a_hit_moves_the_entry_forward(
        where: Path, runtimes: Path) -> None:
    # the copied files are as new as the entry: their stat proves nothing, a load reads them;
    # two seconds on it does, and the entry's mtime moves past them so the next load trusts it
    first = load_catalog(today=TODAY, directory=runtimes)
    entry = only_entry(where)
    written = entry.stat().st_mtime_ns
    time.sleep(2.1)
    assert load_catalog(today=TODAY, directory=runtimes) == first
    assert entry.stat().st_mtime_ns >= written + 2_000_000_000
    toml = runtimes / "python3.12.toml"
    toml.write_text(toml.read_text().replace('python:3.12"', 'python:3.12-edited"'))
    assert image(load_catalog(today=TODAY, directory=runtimes)) == \
        "public.ecr.aws/lambda/python:3.12-edited"


def test_two_installations_taking_turns_keep_an_entry_each(where: Path, tmp_path: Path) -> None:
    """A venv's lambdacheck and pre-commit's, called in turns with one cache: each hits from
    its second call on (sharing a slot, each would rebuild the other's entry every call)."""
    probe = ("import sys\n"
             "from checker.catalog.load import load_catalog\n"
             "load_catalog()\n"
             "print('tomllib' in sys.modules or 'tomli' in sys.modules)\n")  # parsed: a miss
    installs = []
    for name in ("venv", "pre-commit"):
        install = tmp_path / name
        shutil.copytree(REPO / "checker", install / "checker",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "runtimes", install / "runtimes")
        installs.append(install)
    missed = []
    for install in (*installs, *installs):
        env = {**os.environ, "PYTHONPATH": str(install)}
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              check=True, env=env, cwd=tmp_path, timeout=120)
        missed.append(done.stdout.strip())
    assert missed == ["True", "True", "False", "False"]
    assert len(entries(where)) == 2
