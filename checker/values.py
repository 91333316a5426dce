"""Option values as typed, parsed into objects: runtime names into catalog entries, --fail-on
into a Severity, KEY=VALUE pairs and env files into env tuples, event arguments into Events,
--image-function pairs. Which value wins is decided in resolve.py, not here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from checker.catalog.model import Catalog, Limit, Runtime
from checker.errors import CatalogError, InputError, UsageError
from checker.findings import Severity
from checker.inputs import MIB, decode_input, read_input_capped, read_input_text
from checker.options import Event
from checker.patterns import lazy_pattern

FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}
PAYLOAD_LIMIT = "invoke_payload_bytes"  # the catalog's name of Lambda's payload limit
ENV_FILE_CAP = MIB  # Lambda allows 4 KB of variables; a megabyte leaves room for comments


def runtime_by_name(name: str, catalog: Catalog) -> Runtime:
    runtime = catalog.get(name)
    if runtime is None:
        import difflib  # only to say what was meant

        close = difflib.get_close_matches(name, catalog.names(), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}?" if close else \
            "lambdacheck runtimes lists the known runtimes; --runtime-file adds your own"
        raise UsageError(f"unknown runtime {name!r}", hint=hint)
    return runtime


def fail_on(value: str) -> Severity:
    try:
        return FAIL_ON[value.lower()]
    except KeyError:
        raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {value!r}") from None


def valid_env_name(name: str) -> bool:
    """Whether Lambda accepts `name` as an environment variable name (config, --env, env files)."""
    return _ENV_NAME().fullmatch(name) is not None


_ENV_NAME = lazy_pattern(r"[A-Za-z][A-Za-z0-9_]*")
ENV_NAME_HINT = "use letters, digits and underscores, starting with a letter"


def parse_env(pairs: Sequence[str], env_file: Path | None) -> tuple[tuple[str, str], ...]:
    env: dict[str, str] = {}
    if env_file is not None:
        env.update(_read_env_file(env_file))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--env expects KEY=VALUE, not {pair!r}")
        if not valid_env_name(key):
            raise UsageError(f"--env {key!r}: not a valid environment variable name",
                             hint=ENV_NAME_HINT)
        env[key] = value
    return tuple(env.items())


def _read_env_file(path: Path) -> dict[str, str]:
    text = read_input_text(path, what="env file", cap=ENV_FILE_CAP)
    env: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep:
            raise InputError(f"env file {path}:{number}: expected KEY=VALUE")
        key = key.strip()
        if not valid_env_name(key):
            raise InputError(f"env file {path}:{number}: {key!r} is not a valid environment "
                             "variable name", hint=ENV_NAME_HINT)
        env[key] = value.strip().strip('"').strip("'")
    return env


# ---- events --------------------------------------------------------------------------------

def payload_limit(limits: Mapping[str, Limit]) -> int:
    """Lambda's synchronous invocation payload limit in bytes, from the catalog's limits."""
    found = limits.get(PAYLOAD_LIMIT)
    if found is None:
        raise CatalogError(f"the runtime catalog has no limits.{PAYLOAD_LIMIT}",
                           "reinstall lambdacheck")
    return found.value


def is_inline_json(text: str) -> bool:
    """Whether an event argument is JSON text rather than a file or folder name."""
    stripped = text.lstrip()
    return stripped.startswith(("{", "[", '"')) or stripped.rstrip() in ("null", "true", "false")


def load_events(arguments: Sequence[str], expect: str | None,
                limits: Mapping[str, Limit]) -> tuple[Event, ...]:
    """Files, directories of *.json (with NAME.expect.json sidecars), or inline JSON.

    Names are unique (a repeated name gets " #2", " #3", ...). An event over Lambda's payload
    limit is read no further than the limit and kept only as its size (Event.too_large).
    """
    if expect is not None:
        _parse_json(expect, "--expect")
    if not arguments:
        return (Event(name="default", payload="{}", expect=expect),)
    limit = payload_limit(limits)
    events: list[Event] = []
    for argument in arguments:
        events.extend(_events_from(argument, expect, limit))
    if not events:
        raise InputError("no events found", hint="a directory needs *.json event files")
    return _unique(events)


def _events_from(argument: str, expect: str | None, limit: int) -> list[Event]:
    if is_inline_json(argument):
        try:
            size = len(argument.encode("utf-8"))
        except UnicodeEncodeError:
            raise InputError("inline event: not UTF-8 text",
                             "write the event to a UTF-8 file and pass its path") from None
        if size > limit:
            return [Event(name="inline", payload="", expect=expect, too_large=size)]
        _parse_json(argument, "inline event")
        return [Event(name="inline", payload=argument, expect=expect)]
    path = Path(argument)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if not p.name.endswith(".expect.json"))
        return [_event_file(p, expect, limit) for p in files]
    if path.exists() or path.is_symlink():  # not a regular file: read_input says what it is
        return [_event_file(path, expect, limit)]
    raise InputError(f"{argument}: no such event file or directory, and not inline JSON")


def _event_file(path: Path, expect: str | None, limit: int) -> Event:
    sidecar = path.with_name(path.name.removesuffix(".json") + ".expect.json")
    if sidecar.exists() or sidecar.is_symlink():
        expect = read_input_text(sidecar, what="expect file")
        _parse_json(expect, f"expect file {sidecar}")
    data, size = read_input_capped(path, what="event file", cap=limit)
    if data is None:  # over the limit: a finding (rules/limits.py), never sent
        return Event(name=path.stem, payload="", expect=expect, too_large=size)
    payload = decode_input(data, path, what="event file")
    _parse_json(payload, f"event file {path}")
    return Event(name=path.stem, payload=payload, expect=expect)


def _unique(events: Sequence[Event]) -> tuple[Event, ...]:
    """The events with repeated names numbered: inline, inline #2, inline #3."""
    used: set[str] = set()
    named = []
    for event in events:
        name, number = event.name, 1
        while name in used:
            number += 1
            name = f"{event.name} #{number}"
        used.add(name)
        named.append(dataclasses.replace(event, name=name))
    return tuple(named)


def _parse_json(text: str, what: str) -> None:
    import json  # only for an event given as text (~1.5 ms of import)

    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{what}: not valid JSON ({err.msg} at line {err.lineno} "
                         f"column {err.colno})") from None


def image_functions(pairs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """`--image-function NAME=REF` pairs."""
    parsed = []
    for pair in pairs:
        name, sep, reference = pair.partition("=")
        if not sep or not name or not reference:
            raise UsageError(f"--image-function expects NAME=REF, not {pair!r}",
                             hint="e.g. --image-function Api=docker-daemon:api:latest")
        parsed.append((name, reference))
    return tuple(parsed)
