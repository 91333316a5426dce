"""Option strings to objects: env pairs and env files, events (files, folders, inline JSON).

Real files throughout: env files with bad bytes, a FIFO, event files of 7 MB, project configs
written as TOML and loaded the way `lambdacheck` loads them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.errors import CatalogError, ConfigError, InputError, UsageError
from checker.options import Event
from checker.project_config import load_project_config
from checker.values import load_events, parse_env, payload_limit, valid_env_name

LIMITS = load_catalog().limits
SIX_MB = 6 * 1024 * 1024  # Lambda's quotas page: 6 MB, and AWS writes MB for 1,048,576 bytes


# ---- env --------------------------------------------------------------------------------------

NAMES = ["STAGE", "a1", "DB_URL_2", "X", "1ST", "_PRIVATE", "A-B", "A.B", "A B", "Ü", "A\n", ""]
VALID = {"STAGE", "a1", "DB_URL_2", "X"}


def test_the_name_rule() -> None:
    assert {name for name in NAMES if valid_env_name(name)} == VALID


@pytest.mark.parametrize("name", [n for n in NAMES if n])
def test_env_option_and_config_accept_the_same_names(tmp_path: Path, name: str) -> None:
    config = tmp_path / "lambdacheck.toml"
    config.write_text(f"[env]\n{json.dumps(name)} = \"v\"\n", encoding="utf-8")
    try:
        loaded = load_project_config(tmp_path, config)
        assert loaded is not None
        config_accepts = loaded.defaults.function.env == ((name, "v"),)
    except ConfigError as err:
        assert "not a valid environment variable name" in err.message
        config_accepts = False
    try:
        option_accepts = parse_env([f"{name}=v"], None) == ((name, "v"),)
    except UsageError as err:
        assert err.message == f"--env {name!r}: not a valid environment variable name"
        assert err.hint == "use letters, digits and underscores, starting with a letter"
        option_accepts = False
    assert config_accepts == option_accepts == (name in VALID)


def test_env_file_and_pairs(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nexport STAGE="test"\n\nTOKEN=\'abc\'\nMODE=a=b\n')
    assert parse_env(["MODE=cli", "EXTRA="], env_file) == (
        ("STAGE", "test"), ("TOKEN", "abc"), ("MODE", "cli"), ("EXTRA", ""))


def test_env_file_names_follow_the_same_rule(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("GOOD=1\n1BAD=2\n")
    with pytest.raises(InputError) as caught:
        parse_env([], env_file)
    assert caught.value.message == \
        f"env file {env_file}:2: '1BAD' is not a valid environment variable name"


def test_env_file_not_utf8(tmp_path: Path) -> None:
    env_file = tmp_path / "latin1.env"
    env_file.write_bytes(b"CITY=K\xf6ln\n")
    with pytest.raises(InputError) as caught:
        parse_env([], env_file)
    assert caught.value.message == \
        f"env file {env_file}: not UTF-8 text (invalid byte at line 1)"


def test_env_file_line_without_equals(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("A=1\njust words\n")
    with pytest.raises(InputError, match=r"\.env:2: expected KEY=VALUE"):
        parse_env([], env_file)


def test_env_file_that_is_a_fifo_or_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "env.fifo"
    os.mkfifo(fifo)  # opened non-blocking: refused before any read could block
    with pytest.raises(InputError, match="is a FIFO"):
        parse_env([], fifo)
    with pytest.raises(InputError, match="is a character device"):
        parse_env([], Path("/dev/zero"))


# ---- events ----------------------------------------------------------------------------------

def test_the_payload_limit_comes_from_the_catalog() -> None:
    assert payload_limit(LIMITS) == SIX_MB == 6_291_456
    assert LIMITS["invoke_payload_bytes"].sources == ("S52",)
    with pytest.raises(CatalogError, match=r"no limits\.invoke_payload_bytes"):
        payload_limit({})


def test_no_event_is_one_empty_object() -> None:
    assert load_events([], None, LIMITS) == (Event("default", "{}"),)


def test_repeated_inline_events_get_unique_names() -> None:
    events = load_events(['{"n": 1}', '{"n": 2}', "[]", "null"], None, LIMITS)
    assert [(e.name, e.payload) for e in events] == [
        ("inline", '{"n": 1}'), ("inline #2", '{"n": 2}'), ("inline #3", "[]"),
        ("inline #4", "null")]


def test_same_file_names_in_two_folders_get_unique_names(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "get.json").write_text(f'{{"from": "{folder}"}}')
    (tmp_path / "a" / "get #2.json").write_text("{}")  # the name numbering would take; sorts first
    events = load_events([str(tmp_path / "a"), str(tmp_path / "b")], None, LIMITS)
    assert [e.name for e in events] == ["get #2", "get", "get #3"]
    assert json.loads(events[2].payload) == {"from": "b"}


def test_event_folder_with_sidecar_expectations(tmp_path: Path) -> None:
    (tmp_path / "put.json").write_text('{"a": 1}')
    (tmp_path / "put.expect.json").write_text('{"ok": true}')
    (tmp_path / "get.json").write_text("{}")
    events = load_events([str(tmp_path)], '{"default": 1}', LIMITS)
    assert events == (Event("get", "{}", '{"default": 1}'),
                      Event("put", '{"a": 1}', '{"ok": true}'))


def test_event_over_the_payload_limit_is_kept_as_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b'{"blob": "' + b"x" * (7 * 1024 * 1024) + b'"}')
    (event,) = load_events([str(big)], None, LIMITS)
    assert event == Event("big", "", too_large=7 * 1024 * 1024 + 12)
    assert event.size == 7 * 1024 * 1024 + 12


def test_event_exactly_at_the_limit_is_sent(tmp_path: Path) -> None:
    edge = tmp_path / "edge.json"
    edge.write_bytes(b'"' + b"x" * (SIX_MB - 2) + b'"')
    (event,) = load_events([str(edge)], None, LIMITS)
    assert event.too_large is None
    assert event.size == SIX_MB


def test_inline_event_over_the_limit_is_kept_as_its_size() -> None:
    text = json.dumps(["x" * SIX_MB])
    (event,) = load_events([text], None, LIMITS)
    assert (event.name, event.payload, event.too_large) == ("inline", "", len(text))


def test_event_that_is_a_fifo_or_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "event.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO"):
        load_events([str(fifo)], None, LIMITS)
    with pytest.raises(InputError, match="is a FIFO"):  # found in a folder
        load_events([str(tmp_path)], None, LIMITS)
    with pytest.raises(InputError, match="/dev/zero: is a character device"):
        load_events(["/dev/zero"], None, LIMITS)


def test_event_file_not_utf8_or_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_events([str(bad)], None, LIMITS)
    bad.write_text('{"a": }')
    with pytest.raises(InputError, match=r"bad\.json: not valid JSON \(Expecting value"):
        load_events([str(bad)], None, LIMITS)
    with pytest.raises(InputError, match="inline event: not valid JSON"):
        load_events(['{"a": }'], None, LIMITS)
    with pytest.raises(InputError, match="no such event file or directory"):
        load_events([str(tmp_path / "nope.json")], None, LIMITS)
