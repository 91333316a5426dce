"""Properties of checker.artifact.reader over generated ZIPs, damaged ZIPs and seek patterns."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.artifact.members import PREFIX_CACHE
from checker.artifact.members import CachedMemberReader as _CachedMemberReader
from checker.artifact.members import MemberStream as _MemberStream
from checker.artifact.reader import ScanLimits, scan_artifact
from checker.artifact.scan import BLOCK
from checker.artifact.scan import Scan as _Scan
from checker.errors import InputError
from checker.facts import ArtifactRole, MemberKind
from tests.build.zips import Dir, Entry, File, Symlink, make_zip

TRUE = Path("/bin/true")
SETTINGS = settings(deadline=None, max_examples=150,
                    suppress_health_check=[HealthCheck.too_slow])

component = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/\\\x00"),
    min_size=1, max_size=12,
).filter(lambda part: part not in {".", ".."})
safe_name = st.lists(component, min_size=1, max_size=4).map("/".join)
member = st.tuples(
    st.sampled_from(["file", "dir", "link"]),
    st.integers(min_value=0, max_value=0o7777),
    st.binary(max_size=300),
    st.booleans(),
)


def _entry(name: str, spec: tuple[str, int, bytes, bool]) -> Entry:
    kind, mode, data, compress = spec
    if kind == "dir":
        return Dir(name, mode=mode)
    if kind == "link":
        return Symlink(name, "target")
    return File(name, data, mode=mode, compress=compress)


@SETTINGS
@given(st.dictionaries(safe_name, member, min_size=1, max_size=12))
def test_every_safe_member_comes_back_once_with_its_mode(
    members: dict[str, tuple[str, int, bytes, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        entries = [_entry(name, spec) for name, spec in members.items()]
        archive = make_zip(Path(scratch) / "f.zip", entries)
        facts = scan_artifact(archive, ArtifactRole.FUNCTION)
    paths = [f.path for f in facts.files]
    assert sorted(paths) == sorted(members)
    for found in facts.files:
        kind, mode, data, _ = members[found.path]
        expected_kind = {"file": MemberKind.FILE, "dir": MemberKind.DIR,
                         "link": MemberKind.SYMLINK}[kind]
        expected_mode = 0o777 if kind == "link" else mode
        if mode == 0 and kind == "dir":  # S_IFDIR with no bits is still a Unix mode
            expected_mode = 0
        assert (found.kind, found.mode) == (expected_kind, expected_mode)
        if kind == "file":
            assert found.size == len(data)


SAMPLE = (
    Dir("bin"),
    File("bin/true", TRUE.read_bytes(), mode=0o755),
    File("bootstrap", b"#!/bin/sh\r\nexec bin/true\n", mode=0o755, compress=False),
    Symlink("bin/alias", "true"),
    File("handler.py", b"def handler(event, context):\n    return event\n" * 50),
)


@SETTINGS
@given(st.data())
def test_damaged_zip_gives_input_error_or_anomalies(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        archive = make_zip(Path(scratch) / "f.zip", SAMPLE)
        content = bytearray(archive.read_bytes())
        for _ in range(data.draw(st.integers(min_value=1, max_value=8), label="flips")):
            position = data.draw(st.integers(0, len(content) - 1), label="position")
            content[position] = data.draw(st.integers(0, 255), label="byte")
        if data.draw(st.booleans(), label="truncate"):
            content = content[: data.draw(st.integers(0, len(content)), label="length")]
        archive.write_bytes(bytes(content))
        try:
            facts = scan_artifact(archive, ArtifactRole.FUNCTION, want_text=lambda _path: True,
                                  limits=ScanLimits(max_unpacked_bytes=64 * 1024 * 1024))
        except InputError as exc:
            assert "\n" not in exc.message
            return
    assert [f.path for f in facts.files] == sorted({f.path for f in facts.files})


# --- the block cache under arbitrary seeks ------------------------------------------------

CONTENT_SIZE = PREFIX_CACHE + 40 * BLOCK + 1234
CONTENT = (bytes(range(251)) * (CONTENT_SIZE // 251 + 1))[:CONTENT_SIZE]  # no two blocks alike
near_blocks = st.builds(  # block boundaries past the prefix, where the LRU and rewinds work
    lambda block, delta: max(0, block * BLOCK + delta),
    st.integers(PREFIX_CACHE // BLOCK - 2, CONTENT_SIZE // BLOCK + 1), st.integers(-3, 3),
)
seek_read = st.tuples(st.one_of(st.integers(0, CONTENT_SIZE + 10), near_blocks),
                      st.integers(0, 3 * BLOCK))


@pytest.fixture(scope="module")
def cache_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_zip(tmp_path_factory.mktemp("cache") / "f.zip", [File("blob", CONTENT)])


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(seek_read, min_size=1, max_size=25))
def test_cached_reader_returns_the_bytes_at_every_offset(
    cache_zip: Path, steps: list[tuple[int, int]]
) -> None:
    scan = _Scan(limits=ScanLimits(), want_text=lambda _path: False)
    with zipfile.ZipFile(cache_zip) as archive, archive.open("blob") as handle:
        stream = _MemberStream(handle, "blob", scan)
        reader = _CachedMemberReader(stream, CONTENT_SIZE, stream.read(BLOCK))
        for offset, size in steps:
            reader.seek(offset)
            assert reader.read(size) == CONTENT[offset:offset + size]
            assert reader.tell() == min(offset + size, max(offset, CONTENT_SIZE))
        stream.drain()
    assert stream.error is None
