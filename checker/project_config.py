"""The project config: `[tool.lambdacheck]` in pyproject.toml, or a `lambdacheck.toml`.

Loading validates every key and type and resolves paths against the config file's folder.
The result is unresolved on purpose: runtime *names*, not catalog entries. resolve.py turns
FunctionSpecs into Targets, with command-line values laid over config values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import ConfigError, LambdacheckError
from checker.inputs import read_input_text
from checker.lambda_env import MEMORY_RANGE_MB, TIMEOUT_RANGE_S, Arch
from checker.records import record
from checker.suppress import Ignore
from checker.values import ENV_NAME_HINT, is_inline_json, valid_env_name

if TYPE_CHECKING:  # the validator loads only when there is a config file to read
    from checker.schema import KeyPath

CONFIG_FILE = "lambdacheck.toml"
PYPROJECT = "pyproject.toml"
FAIL_ON_VALUES = ("error", "warning", "info")

Env = tuple[tuple[str, str], ...]


@record
class FunctionSpec:
    """One function as configured, before the catalog resolves its runtime names.

    None means "not set here" (a lower layer's value applies); an empty tuple is an explicit
    "none". Paths are absolute once loaded. `expect` is JSON text (a subset the response to
    every event must contain).
    """

    name: str | None = None
    artifact: Path | None = None
    runtimes: tuple[str, ...] | None = None
    arches: tuple[str, ...] | None = None
    handler: str | None = None
    layers: tuple[Path, ...] | None = None
    events: tuple[Path | str, ...] | None = None  # files/folders, or inline JSON text
    expect: str | None = None
    memory_mb: int | None = None
    timeout_s: float | None = None
    env: Env | None = None
    managed_instances: bool | None = None  # a template's CapacityProviderConfig


@record
class ProjectDefaults:
    """Top-level settings: per-function defaults plus run-wide options."""

    function: FunctionSpec = FunctionSpec()
    fail_on: str | None = None
    junit: Path | None = None
    runtime_files: tuple[Path, ...] = ()
    template: Path | None = None
    allow_outside_paths: bool | None = None  # read template code outside the template's folder
    allow_skip_exec: bool | None = None  # `run`: report targets that cannot execute as skipped
    ignores: tuple[Ignore, ...] = ()  # `ignore` entries: suppressed findings (see suppress.py)


@record
class ProjectConfig:
    """A loaded project config: its top-level defaults, its functions, and the file it came from."""

    defaults: ProjectDefaults
    functions: tuple[FunctionSpec, ...]  # as written: defaults NOT applied (see resolve.py)
    source_path: Path


def load_project_config(start_dir: Path, explicit: Path | None = None) -> ProjectConfig | None:
    """The config in `explicit`, else lambdacheck.toml, else pyproject's [tool.lambdacheck].

    Only `start_dir` itself is searched. None when there is no config at all.
    """
    if explicit is not None:
        if not explicit.exists():  # a FIFO or device: read_input_text says what it is
            raise ConfigError(f"config file not found: {explicit}",
                              hint="pass --config an existing lambdacheck.toml or pyproject.toml")
        return _load_file(explicit, required=True)
    standalone = start_dir / CONFIG_FILE
    if standalone.exists():
        return _load_file(standalone, required=True)
    pyproject = start_dir / PYPROJECT
    if pyproject.exists():
        return _load_file(pyproject, required=False)
    return None


def _load_file(path: Path, *, required: bool) -> ProjectConfig | None:
    document = _read_toml(path)
    if path.name != PYPROJECT:
        return _parse(document, path, prefix="")
    tool = document.get("tool")
    table = tool.get("lambdacheck") if isinstance(tool, dict) else None
    if table is None:
        if required:
            raise ConfigError(f"{path}: no [tool.lambdacheck] table",
                              hint="add [tool.lambdacheck] or point --config at lambdacheck.toml")
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.lambdacheck: expected a table, got {_kind(table)}")
    return _parse(table, path, prefix="tool.lambdacheck.")


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):  # here: only when there is a config file
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    text = read_input_text(path, what="config file")  # regular files only, capped, UTF-8
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"{path}: nested too deeply to read",
                          hint="a lambdacheck config nests a few levels") from None


# ---- validation ---------------------------------------------------------------------------


class _Table:
    """One TOML table being read: knows its file and key path for error messages."""

    def __init__(self, data: Mapping[str, Any], where: KeyPath, base_dir: Path) -> None:
        self.data = data
        self.where = where
        self.base_dir = base_dir

    def error(self, key: str, problem: str, hint: str | None = None) -> LambdacheckError:
        return self.where.key(key).error(problem, hint)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        from checker.schema import Key, check_table

        # any: the readers below check each value's type and range
        check_table(self.data, dict.fromkeys(allowed, Key("any")), self.where,
                    on_unknown=_unknown)

    def get(self, key: str, read: Callable[[_Table, str, Any], Any]) -> Any:
        if key not in self.data:
            return None
        return read(self, key, self.data[key])


def _unknown(name: str, valid: Sequence[str], where: KeyPath, what: str) -> LambdacheckError:
    from checker.schema import closest

    guess = closest(name, valid)
    return where.key(name).error(f"unknown {what}" + (f" (did you mean '{guess}'?)" if guess
                                                      else ""),
                                 hint="valid keys: " + ", ".join(sorted(valid)))


def _kind(value: object) -> str:
    from checker.schema import kind_of

    return kind_of(value, dates="a date/time")


def _string(table: _Table, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise table.error(key, f"expected a string, got {_kind(value)}")
    if not value.strip():
        raise table.error(key, "must not be empty")
    return value


def _names(table: _Table, key: str, value: Any) -> tuple[str, ...]:
    """A string or a non-empty array of strings."""
    if isinstance(value, str):
        return (_string(table, key, value),)
    if not isinstance(value, list) or not value:
        raise table.error(key, f"expected a string or a non-empty array of strings, "
                               f"got {_kind(value) if value != [] else 'an empty array'}")
    return tuple(_string(table, f"{key}[{i}]", item) for i, item in enumerate(value))


def _path(table: _Table, key: str, value: Any) -> Path:
    return table.base_dir / _string(table, key, value)


def _paths(table: _Table, key: str, value: Any) -> tuple[Path, ...]:
    if not isinstance(value, list):
        raise table.error(key, f"expected an array of strings, got {_kind(value)}")
    return tuple(_path(table, f"{key}[{i}]", item) for i, item in enumerate(value))


def _events(table: _Table, key: str, value: Any) -> tuple[Path | str, ...]:
    """Event files or folders (relative to the config's folder), or inline JSON as on the
    command line."""
    if not isinstance(value, list):
        raise table.error(key, f"expected an array of strings, got {_kind(value)}")
    return tuple(item if isinstance(item, str) and is_inline_json(item)
                 else _path(table, f"{key}[{i}]", item) for i, item in enumerate(value))


def _memory(table: _Table, key: str, value: Any) -> int:
    low, high = MEMORY_RANGE_MB
    if isinstance(value, bool) or not isinstance(value, int):
        raise table.error(key, f"expected an integer (MB), got {_kind(value)}")
    if not low <= value <= high:
        raise table.error(key, f"{value} MB is outside Lambda's range {low}..{high}")
    return value


def _timeout(table: _Table, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise table.error(key, f"expected a number of seconds, got {_kind(value)}")
    low, high = TIMEOUT_RANGE_S
    if not low <= value <= high:
        raise table.error(key, f"{value} s is outside Lambda's range {low:g}..{high:g}")
    return float(value)


def _env(table: _Table, key: str, value: Any) -> Env:
    if not isinstance(value, dict):
        raise table.error(key, f"expected a table of strings, got {_kind(value)}")
    pairs = []
    for name, item in value.items():
        if not valid_env_name(name):
            raise table.error(f"{key}.{name}", "not a valid environment variable name",
                              hint=ENV_NAME_HINT)
        if not isinstance(item, str):
            raise table.error(f"{key}.{name}", f"expected a string, got {_kind(item)}",
                              hint=f'quote the value: {name} = "{item}"')
        pairs.append((name, item))
    return tuple(pairs)


def _expect(table: _Table, key: str, value: Any) -> str:
    """A table (any JSON-like value) or a string of JSON text, returned as JSON text."""
    import json  # only for a config that has events (~1.5 ms of import)

    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError as error:
            raise table.error(key, f"not valid JSON: {error.msg}",
                              hint="write a TOML table, or a string holding JSON") from None
        return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    raise table.error(key, f"expected a table or a JSON string, got {_kind(value)}")


def _bool(table: _Table, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise table.error(key, f"expected true or false, got {_kind(value)}")
    return value


def _fail_on(table: _Table, key: str, value: Any) -> str:
    text = _string(table, key, value)
    if text not in FAIL_ON_VALUES:
        raise table.error(key, f"'{text}' is not one of " + ", ".join(FAIL_ON_VALUES))
    return text


_FUNCTION_READERS: dict[str, tuple[str, Callable[[_Table, str, Any], Any]]] = {
    # config key: (FunctionSpec field, reader)
    "name": ("name", _string),
    "artifact": ("artifact", _path),
    "runtime": ("runtimes", _names),
    "arch": ("arches", _names),
    "handler": ("handler", _string),
    "layers": ("layers", _paths),
    "events": ("events", _events),
    "expect": ("expect", _expect),
    "memory": ("memory_mb", _memory),
    "timeout": ("timeout_s", _timeout),
    "env": ("env", _env),
}
_DEFAULT_FUNCTION_KEYS = ("runtime", "arch", "handler", "layers", "events", "memory", "timeout",
                          "env")
_TOP_LEVEL_KEYS = (*_DEFAULT_FUNCTION_KEYS, "fail-on", "junit", "runtime-files", "template",
                   "functions", "allow-skip-exec", "allow-outside-paths", "ignore")
_IGNORE_KEYS = ("rule", "path", "runtime", "arch", "reason")
_IGNORE_REQUIRED = (("rule", 'name the rule id, e.g. rule = "needed-libraries"'),
                    ("reason", 'say why they do not matter: reason = "loaded only on x86"'))


def _function_spec(table: _Table, keys: tuple[str, ...]) -> FunctionSpec:
    values = {}
    for key in keys:
        field_name, reader = _FUNCTION_READERS[key]
        values[field_name] = table.get(key, reader)
    return FunctionSpec(**values)


def _parse(data: Mapping[str, Any], source: Path, prefix: str) -> ProjectConfig:
    from checker.schema import KeyPath

    where = KeyPath(str(source), (prefix.rstrip("."),) if prefix else (), ConfigError,
                    quote=False)
    top = _Table(data, where, source.absolute().parent)
    top.check_keys(_TOP_LEVEL_KEYS)
    template = top.get("template", _path)
    defaults = ProjectDefaults(
        function=_function_spec(top, _DEFAULT_FUNCTION_KEYS),
        fail_on=top.get("fail-on", _fail_on),
        junit=top.get("junit", _path),
        runtime_files=top.get("runtime-files", _paths) or (),
        template=template,
        allow_skip_exec=top.get("allow-skip-exec", _bool),
        allow_outside_paths=top.get("allow-outside-paths", _bool),
        ignores=_ignores(top),
    )
    functions = _functions(top, has_template=template is not None)
    return ProjectConfig(defaults=defaults, functions=functions, source_path=source.absolute())


def _functions(top: _Table, *, has_template: bool) -> tuple[FunctionSpec, ...]:
    raw = top.data.get("functions", [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise top.error("functions", "expected an array of tables ([[functions]])")
    specs: list[FunctionSpec] = []
    names: set[str] = set()  # a set: 20,000 functions must not take a quadratic scan
    for index, item in enumerate(raw):
        table = _Table(item, top.where.key("functions").item(index), top.base_dir)
        table.check_keys(tuple(_FUNCTION_READERS))
        spec = _function_spec(table, tuple(_FUNCTION_READERS))
        if spec.artifact is None and not (has_template and spec.name is not None):
            raise table.error("artifact", "missing",
                              hint="set artifact, or set template and name a template function")
        if spec.name is not None:
            if spec.name in names:
                raise table.error("name", f"duplicate function name '{spec.name}'")
            names.add(spec.name)
        specs.append(spec)
    return tuple(specs)


def _ignores(top: _Table) -> tuple[Ignore, ...]:
    """`ignore = [{ rule = "...", path = "vendor/*.so", runtime = "...", arch = "...",
    reason = "..." }]`: rule and reason required, the rest narrows what it matches."""
    raw = top.data.get("ignore", [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise top.error("ignore", "expected an array of tables "
                                  '(ignore = [{ rule = "...", path = "...", reason = "..." }])')
    entries = []
    for index, item in enumerate(raw):
        where = top.where.key("ignore").item(index)
        table = _Table(item, where, top.base_dir)
        table.check_keys(_IGNORE_KEYS)
        for required, hint in _IGNORE_REQUIRED:
            if required not in item:
                raise table.error(required, "missing", hint=hint)
        arch = table.get("arch", _string)
        if arch is not None:
            known = Arch.lookup(arch)
            if known is None:
                raise table.error("arch", f"unknown architecture '{arch}'",
                                  hint="use x86_64 or arm64")
            arch = known.value
        entries.append(Ignore(rule=table.get("rule", _string), reason=table.get("reason", _string),
                              path=table.get("path", _string) or "*",
                              runtime=table.get("runtime", _string), arch=arch,
                              where=".".join(where.parts)))
    return tuple(entries)
