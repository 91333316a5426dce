"""Turn what the user typed (and, later, project config) into frozen Targets and options.

The only place that knows how option strings become objects: runtime names become catalog
entries, event arguments become Events, KEY=VALUE pairs become env tuples.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from pathlib import Path

from checker.errors import InputError, UsageError
from checker.findings import Severity
from checker.options import Event
from checker.runtime import Catalog, Runtime

FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


def runtime_by_name(name: str, catalog: Catalog) -> Runtime:
    runtime = catalog.get(name)
    if runtime is None:
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


def parse_env(pairs: Sequence[str], env_file: Path | None) -> tuple[tuple[str, str], ...]:
    env: dict[str, str] = {}
    if env_file is not None:
        env.update(_read_env_file(env_file))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--env expects KEY=VALUE, not {pair!r}")
        env[key] = value
    return tuple(env.items())


def _read_env_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot read env file ({err.strerror})") from None
    env: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep:
            raise InputError(f"{path}:{number}: expected KEY=VALUE")
        env[key.strip()] = value.strip().strip('"').strip("'")
    return env


def load_events(arguments: Sequence[str], expect: str | None) -> tuple[Event, ...]:
    """Files, directories of *.json (with NAME.expect.json sidecars), or inline JSON."""
    if expect is not None:
        _parse_json(expect, "--expect")
    if not arguments:
        return (Event(name="default", payload="{}", expect=expect),)
    events: list[Event] = []
    for argument in arguments:
        events.extend(_events_from(argument, expect))
    if not events:
        raise InputError("no events found", hint="a directory needs *.json event files")
    return tuple(events)


def _events_from(argument: str, expect: str | None) -> list[Event]:
    stripped = argument.lstrip()
    if stripped.startswith(("{", "[", '"')) or stripped in ("null", "true", "false"):
        _parse_json(argument, "--event")
        return [Event(name="inline", payload=argument, expect=expect)]
    path = Path(argument)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if not p.name.endswith(".expect.json"))
        return [_event_file(p, expect) for p in files]
    if path.is_file():
        return [_event_file(path, expect)]
    raise InputError(f"{argument}: no such event file or directory, and not inline JSON")


def _event_file(path: Path, expect: str | None) -> Event:
    payload = _read(path)
    _parse_json(payload, str(path))
    sidecar = path.with_name(path.name.removesuffix(".json") + ".expect.json")
    if sidecar.is_file():
        expect = _read(sidecar)
        _parse_json(expect, str(sidecar))
    return Event(name=path.stem, payload=payload, expect=expect)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read ({err})") from None


def _parse_json(text: str, what: str) -> None:
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
