"""The one place options are resolved: what the command line says, laid over the project
config or template, laid over the defaults, into the frozen objects the pipeline reads.

Precedence, lowest first: defaults < config defaults < template functions < config functions
of the same name < command-line options. Two exceptions, kept as they always were: events given
on the command line (--event/--expect) replace every function's own events, and a function's
own env (config/template) wins over --env for the same name. cli.py only parses argv into a
`CommandLine` and calls `resolve` (check, run) or `resolve_targets` (plan); nothing after this
module reads argv, the environment or config files.

A function of a template or config that cannot become Targets (its code missing or refused, its
runtime unknown, ...) does not abort: it becomes an Unresolved record, reported as its own
failed target, and every other function is still checked. Command-line values are checked
first, so a mistyped --runtime is still a usage error (exit 2).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from checker.catalog.from_image import placeholder_runtime
from checker.catalog.load import load_catalog
from checker.catalog.model import ARCHES, Catalog
from checker.errors import ConfigError, InputError, LambdacheckError, UsageError
from checker.image.ref import ImageRef
from checker.lambda_env import (
    DEFAULT_ARCH,
    DEFAULT_EPHEMERAL_MB,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
)
from checker.options import (
    Event,
    ExecOptions,
    NetworkMode,
    OutputFormat,
    PullPolicy,
    ReportOptions,
    Run,
    Target,
    Unresolved,
)
from checker.project_config import Env, FunctionSpec, ProjectConfig, load_project_config
from checker.records import record
from checker.report.github import is_github_actions
from checker.suppress import Suppressions, load_baseline
from checker.values import fail_on, image_functions, load_events, parse_env, runtime_by_name


@record
class ExecLine:
    """What the command line says about executing (`run` only), as typed."""

    events: tuple[str, ...] = ()
    expect: str | None = None
    env: tuple[str, ...] = ()  # KEY=VALUE
    env_file: Path | None = None
    memory_mb: int | None = None
    timeout_s: float | None = None
    ephemeral_mb: int = DEFAULT_EPHEMERAL_MB
    image: str | None = None
    pull: PullPolicy | None = None
    network: NetworkMode | None = None
    jobs: int = 2
    rie: Path | None = None
    allow_skip_exec: bool = False
    require_exec: bool = False  # the old opt-in, kept so existing scripts work
    fail_fast: bool = False


@record
class CommandLine:
    """What the command line says, as typed (empty/None = not given). commands.py builds it."""

    artifacts: tuple[Path, ...] = ()
    runtimes: tuple[str, ...] = ()
    arches: tuple[str, ...] = ()
    handler: str | None = None
    layers: tuple[Path, ...] = ()
    runtime_files: tuple[Path, ...] = ()
    config: Path | None = None
    template: Path | None = None
    shard: str | None = None
    image_functions: tuple[str, ...] = ()  # NAME=REF: template logical id -> image reference
    allow_outside_paths: bool = False  # read template code outside the template's folder
    fmt: OutputFormat = OutputFormat.TEXT
    junit: Path | None = None
    sarif: Path | None = None
    summary: Path | None = None
    fail_on: str | None = None
    baseline: Path | None = None  # --baseline: findings in it are suppressed
    write_baseline: Path | None = None  # --write-baseline: the run's findings written there
    managed_instances: bool = False  # --managed-instances: every function runs on them
    execute: ExecLine | None = None  # None for check and plan


@record
class Targets:
    """The functions chosen to check, as Targets, with what chose them."""

    targets: tuple[Target, ...]
    catalog: Catalog
    config: ProjectConfig | None
    notes: tuple[str, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()  # functions that fail alone (in shard 1 only)


@record
class _Found:
    """The functions to check, before the catalog: their specs with the command line laid over,
    notes, those that cannot be checked, and the file that defines each."""

    specs: tuple[FunctionSpec, ...]
    notes: tuple[str, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    sources: dict[str | None, Path] | None = None  # function name -> the file defining it


def resolve(line: CommandLine, cwd: Path, *, environ: Mapping[str, str],
            tty: bool) -> Run:
    """One check/run: its targets (each with its own exec settings resolved), its report
    options and, for run, its exec options. `environ` and `tty` are stdout's surroundings
    (color, GitHub Actions)."""
    chosen = resolve_targets(line, cwd)
    limits = chosen.catalog.limits
    execute = _exec_options(line.execute, chosen) if line.execute is not None else None
    defaults = chosen.config.defaults if chosen.config else None
    color = line.fmt is OutputFormat.TEXT and tty and "NO_COLOR" not in environ
    report = ReportOptions(
        fmt=line.fmt, junit=line.junit or (defaults.junit if defaults else None),
        sarif=line.sarif, summary=line.summary,
        fail_on=fail_on(line.fail_on or (defaults.fail_on if defaults else None) or "error"),
        color=color, github=is_github_actions(environ),
        suppressions=Suppressions(
            ignores=chosen.config.defaults.ignores if chosen.config else (),
            baseline=load_baseline(line.baseline) if line.baseline is not None else None,
            write_baseline=line.write_baseline))
    replace_events = line.execute is not None and bool(
        line.execute.events or line.execute.expect is not None)
    targets = tuple(_settled(t, execute or ExecOptions(), replace_events)
                    for t in chosen.targets)
    return Run(targets=targets, report=report, execute=execute, notes=chosen.notes,
               limits=limits, unresolved=chosen.unresolved)


def resolve_targets(line: CommandLine, cwd: Path) -> Targets:
    """The targets the command line, project config and template name (`plan` lists them)."""
    pairs = image_functions(line.image_functions)
    config = load_project_config(cwd, line.config)
    runtime_files = line.runtime_files + (config.defaults.runtime_files if config else ())
    catalog = load_catalog(runtime_files)
    _check_command_line(line, catalog)
    found = _specs(line, pairs, config)
    targets: list[Target] = []
    unresolved = list(found.unresolved)
    for spec in found.specs:
        source = (found.sources or {}).get(spec.name)
        if spec.name is None or source is None:  # a command-line artifact: errors abort
            targets.extend(_targets(spec, catalog))
            continue
        try:
            targets.extend(dataclasses.replace(target, source=source)
                           for target in _targets(spec, catalog, source))
        except LambdacheckError as error:
            unresolved.append(_unresolved(spec, source, error))
    chosen = tuple(dataclasses.replace(t, managed_instances=True) if line.managed_instances
                   else t for t in targets)
    if line.shard is not None:
        from checker.sharding import parse_shard, shard  # here: only with --shard

        chosen = shard(chosen, line.shard)
        if parse_shard(line.shard)[0] != 1:
            unresolved = []
    return Targets(targets=chosen, catalog=catalog, config=config, notes=found.notes,
                   unresolved=tuple(unresolved))


# ---- exec options ------------------------------------------------------------------------


def _exec_options(line: ExecLine, chosen: Targets) -> ExecOptions:
    if line.rie is not None and not line.rie.is_file():
        raise UsageError(f"--rie {line.rie}: no such file")
    return ExecOptions(
        events=load_events(line.events, line.expect, chosen.catalog.limits),
        env=parse_env(line.env, line.env_file),
        memory_mb=line.memory_mb or DEFAULT_MEMORY_MB,
        timeout_s=line.timeout_s or DEFAULT_TIMEOUT_S,
        ephemeral_mb=line.ephemeral_mb, image=line.image, pull=line.pull,
        network=line.network, jobs=line.jobs, rie_path=line.rie, fail_fast=line.fail_fast,
        allow_skip=_allow_skip(line, chosen.config))


def _allow_skip(line: ExecLine, config: ProjectConfig | None) -> bool:
    """--allow-skip-exec, else the config's allow-skip-exec; --require-exec (the old opt-in,
    kept so existing configs and scripts work) insists on execution."""
    if line.allow_skip_exec and line.require_exec:
        raise UsageError("--allow-skip-exec and --require-exec contradict each other")
    if line.require_exec:
        return False
    defaults = config.defaults if config else None
    return line.allow_skip_exec or bool(defaults and defaults.allow_skip_exec)


def _settled(target: Target, run: ExecOptions, replace_events: bool) -> Target:
    """The target with its exec settings final: its own (config/template, command line
    already laid over) where set, else the run's; env merged by name, its own winning."""
    env = dict(run.env)
    env.update(dict(target.env or ()))
    own_events = None if replace_events else target.events
    return dataclasses.replace(
        target, events=own_events if own_events is not None else run.events,
        memory_mb=target.memory_mb if target.memory_mb is not None else run.memory_mb,
        timeout_s=target.timeout_s if target.timeout_s is not None else run.timeout_s,
        env=tuple(env.items()))


# ---- functions: command line over config/template over defaults -----------------------------


def merge(spec: FunctionSpec, overrides: FunctionSpec) -> FunctionSpec:
    """`spec` with every field that `overrides` sets replaced; env is merged key by key."""
    changes: dict[str, Any] = {}
    for field in fields(FunctionSpec):
        value = getattr(overrides, field.name)
        if value is not None:
            changes[field.name] = value
    if spec.env is not None and overrides.env is not None:
        changes["env"] = _merge_env(spec.env, overrides.env)
    return replace(spec, **changes)


def resolve_functions(
    config: ProjectConfig, discovered: tuple[FunctionSpec, ...] = ()
) -> tuple[FunctionSpec, ...]:
    """Defaults < discovered (template) functions < config functions of the same name.

    A config function whose name matches a discovered one refines it (events, expect, ...);
    the others follow the discovered ones, in file order.
    """
    found_names = {found.name for found in discovered}
    by_name = {f.name: f for f in config.functions if f.name in found_names}
    base = config.defaults.function
    resolved = [merge(merge(base, found), by_name.get(found.name, FunctionSpec()))
                for found in discovered]
    for spec in config.functions:
        if spec.name in by_name:
            continue
        if spec.artifact is None:
            raise ConfigError(f"{config.source_path}: function '{spec.name}' has no artifact "
                              "and the template defines no function of that name",
                              hint="set its artifact, or use the template's logical id as name")
        resolved.append(merge(base, spec))
    return tuple(resolved)


def _merge_env(base: Env, overrides: Env) -> Env:
    merged = dict(base)
    merged.update(overrides)
    return tuple(merged.items())


def _check_command_line(line: CommandLine, catalog: Catalog) -> None:
    """Command-line runtimes, arches and layers, before any function uses them."""
    for name in line.runtimes:
        runtime_by_name(name, catalog)
    known = {arch for name in catalog.names() if (r := catalog.get(name)) for arch in r.arches}
    for arch in line.arches:
        if arch not in ARCHES and arch not in known:
            raise UsageError(f"unknown architecture {arch!r}", hint="use --arch x86_64 or arm64")
    for layer in line.layers:
        if not layer.exists():
            raise InputError(f"--layer {layer}: no such file or directory")


def _unresolved(spec: FunctionSpec, source: Path, error: LambdacheckError) -> Unresolved:
    return Unresolved(name=spec.name or "?", source=source, message=error.message,
                      hint=error.hint, runtime=", ".join(spec.runtimes or ()) or "unknown",
                      arch=", ".join(spec.arches or (DEFAULT_ARCH.value,)))


def _specs(line: CommandLine, image_functions: tuple[tuple[str, str], ...],
           config: ProjectConfig | None) -> _Found:
    cli = FunctionSpec(
        runtimes=line.runtimes or None, arches=line.arches or None,
        handler=line.handler, layers=line.layers or None,
        memory_mb=line.execute.memory_mb if line.execute else None,
        timeout_s=line.execute.timeout_s if line.execute else None)
    defaults = config.defaults.function if config else FunctionSpec()
    if line.artifacts:
        return _Found(tuple(merge(merge(defaults, FunctionSpec(artifact=a)), cli)
                            for a in line.artifacts))
    template = line.template or (config.defaults.template if config else None)
    allow_outside = line.allow_outside_paths or bool(
        config and config.defaults.allow_outside_paths)
    discovered: tuple[FunctionSpec, ...] = ()
    notes: tuple[str, ...] = ()
    refused: tuple[Unresolved, ...] = ()
    sources: dict[str | None, Path] = {}
    if config is not None:
        sources.update((spec.name, config.source_path) for spec in config.functions)
    if template is not None:
        from checker.template import load_template  # PyYAML loads only for templates

        found = load_template(template, dict(image_functions),
                              allow_outside=allow_outside)
        discovered, notes, refused = found.functions, found.notes, found.unresolved
        sources.update((spec.name, template) for spec in discovered)
    specs = resolve_functions(config, discovered) if config else \
        tuple(merge(defaults, spec) for spec in discovered)
    if not specs and not refused:
        raise UsageError(
            "nothing to check: no artifact given" + (
                f", and {template} defines no function that can be checked locally"
                f"{_skipped(notes)}"
                if template else ", no --template, and no lambdacheck config found"),
            hint="lambdacheck check build/function.zip --runtime python3.12, or --template "
                 "template.yaml, or a [tool.lambdacheck] table in pyproject.toml")
    return _Found(tuple(merge(spec, cli) for spec in specs), notes, refused, sources)


def _skipped(notes: tuple[str, ...], shown: int = 3) -> str:
    """": A: inline code; B: CodeUri is in S3 (...); and 2 more" — why functions were left out."""
    reasons = [note.removesuffix("; not checked") for note in notes
               if note.endswith("; not checked")]
    if not reasons:
        return ""
    more = f"; and {len(reasons) - shown} more" if len(reasons) > shown else ""
    return ": " + "; ".join(reasons[:shown]) + more


def _targets(spec: FunctionSpec, catalog: Catalog, source: Path | None = None) -> list[Target]:
    """The targets of one function; `source` is the template or config defining it."""
    label = spec.name or (str(spec.artifact) if spec.artifact else "a function")
    if spec.artifact is None:
        raise UsageError(f"{label}: no artifact", hint="set its artifact (CodeUri) path")
    image = ImageRef.parse(str(spec.artifact))
    if image is not None:
        return _image_targets(spec, image, catalog)
    if not spec.runtimes:
        raise UsageError(f"{label}: no runtime given",
                         hint="name the Lambda runtime, e.g. --runtime python3.12 "
                              "(lambdacheck runtimes lists them)")
    for path in (spec.artifact, *(spec.layers or ())):
        if not path.exists():
            raise InputError(f"{path}: no such file or directory",
                             hint=_missing_hint(path, source))
    events = _events(spec, catalog)
    targets = []
    for name in dict.fromkeys(spec.runtimes):
        runtime = runtime_by_name(name, catalog)
        for arch in dict.fromkeys(spec.arches or (DEFAULT_ARCH.value,)):
            _check_arch(runtime.name, runtime.arches, arch)
            targets.append(Target(
                artifact=spec.artifact, runtime=runtime, arch=arch, handler=spec.handler,
                layers=spec.layers or (), name=spec.name, events=events,
                memory_mb=spec.memory_mb, timeout_s=spec.timeout_s, env=spec.env,
                managed_instances=bool(spec.managed_instances)))
    return targets


def _missing_hint(path: Path, source: Path | None) -> str | None:
    if any(char in str(path) for char in "*?["):
        return "paths are not glob patterns: name the ZIP file or folder itself"
    if source is None:
        return None
    if source.suffix == ".toml":
        return f"build it first, or fix its artifact path in {source.name}"
    return "build it first (sam build writes .aws-sam/build/ next to the template)"


def _image_targets(spec: FunctionSpec, image: ImageRef, catalog: Catalog) -> list[Target]:
    """An image is its own runtime: --runtime does not apply, layers cannot be added."""
    if spec.layers:
        raise UsageError(f"{image}: a container image takes no layers",
                         hint="COPY the layer contents into /opt in the image")
    if image.is_archive and not image.path.is_file():
        raise InputError(f"{image.location}: no such image archive")
    events = _events(spec, catalog)
    return [Target(artifact=image, runtime=placeholder_runtime(str(image), arch), arch=arch,
                   handler=spec.handler, name=spec.name, events=events,
                   memory_mb=spec.memory_mb, timeout_s=spec.timeout_s, env=spec.env,
                   managed_instances=bool(spec.managed_instances))
            for arch in dict.fromkeys(spec.arches or (DEFAULT_ARCH.value,))]


def _events(spec: FunctionSpec, catalog: Catalog) -> tuple[Event, ...] | None:
    """The function's own events (config/template); None to use the run's."""
    if spec.events is None and spec.expect is None:
        return None
    return load_events([str(p) for p in spec.events or ()], spec.expect, catalog.limits)


def _check_arch(runtime: str, available: Sequence[str], arch: str) -> None:
    if arch not in ARCHES and arch not in available:
        raise UsageError(f"unknown architecture {arch!r}", hint="use --arch x86_64 or arm64")
    if arch not in available:
        raise UsageError(f"{runtime} is not available for {arch}",
                         hint=f"it runs on {', '.join(available)}")
