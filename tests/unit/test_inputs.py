"""The reader of the user's small input files: regular files only, capped, UTF-8, one-line errors.

Every input is real: files, a FIFO made with os.mkfifo, /dev/zero, a sparse file. Reads that a
regression could turn into a blocking open run in a daemon thread with a deadline, so a
failing test fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.errors import InputError
from checker.inputs import MIB, read_input_bytes, read_input_capped, read_input_text

DEADLINE_S = 10


def _error_within_deadline(read: Callable[[], object]) -> InputError:
    """The InputError `read` raises, failing (not hanging) if it blocks or raises nothing."""
    outcome: list[BaseException | object] = []

    def target() -> None:
        try:
            outcome.append(read())
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            outcome.append(err)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(DEADLINE_S)
    assert not thread.is_alive(), "the read blocked"
    (result,) = outcome
    assert isinstance(result, InputError), result
    assert "\n" not in result.message
    return result


def test_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "env"
    path.write_bytes(b"A=1\nB=\xc3\xa9\n")
    assert read_input_bytes(path, what="env file") == b"A=1\nB=\xc3\xa9\n"
    assert read_input_text(path, what="env file") == "A=1\nB=é\n"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    error = _error_within_deadline(lambda: read_input_text(fifo, what="env file"))
    assert error.message == f"env file {fifo}: is a FIFO (named pipe), not a regular file"


def test_dev_zero_is_refused_without_reading_it() -> None:
    error = _error_within_deadline(
        lambda: read_input_bytes(Path("/dev/zero"), what="runtime file"))
    assert error.message == "runtime file /dev/zero: is a character device, not a regular file"


def test_folder_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_input_text(tmp_path, what="template")
    with pytest.raises(InputError, match=r"nope\.yaml: no such file"):
        read_input_text(tmp_path / "nope.yaml", what="template")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files of any mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.env"
    path.write_text("A=1\n")
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied") as caught:
        read_input_text(path, what="env file")
    assert caught.value.hint == "make the file readable by this user"


def test_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * 1025)
    with pytest.raises(InputError, match=r"big\.toml: larger than 1024 bytes; refusing"):
        read_input_bytes(path, what="runtime file", cap=1024)
    path.write_bytes(b"#" * 1024)
    assert len(read_input_bytes(path, what="runtime file", cap=1024)) == 1024


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.env"
    path.write_bytes(b"A=1\nB=caf\xe9\n")
    with pytest.raises(InputError) as caught:
        read_input_text(path, what="env file")
    assert caught.value.message == f"env file {path}: not UTF-8 text (invalid byte at line 2)"
    assert caught.value.hint == "save the file as UTF-8"


def test_capped_read_of_a_huge_file_reports_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # sparse: 200 MiB on paper, nothing on disk
        handle.truncate(200 * MIB)
    assert read_input_capped(path, what="event file", cap=6 * MIB) == (None, 200 * MIB)


def test_capped_read_at_the_cap_returns_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_bytes(b"1" * 100)
    assert read_input_capped(path, what="event file", cap=100) == (b"1" * 100, 100)
    assert read_input_capped(path, what="event file", cap=99) == (None, 100)


def test_capped_read_refuses_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "event.json"
    os.mkfifo(fifo)
    error = _error_within_deadline(lambda: read_input_capped(fifo, what="event file", cap=10))
    assert "is a FIFO (named pipe)" in error.message
