"""Which functions to check: from the command line, a project config, or a SAM template.

Precedence, lowest first: config defaults < template functions < config functions of the same
name < command-line options. The result is frozen Targets; nothing later reads config files.

A function of a template or config that cannot become Targets (its code missing or refused, its
runtime unknown, ...) does not abort the selection: it becomes an Unresolved record, reported
as its own failed target, and every other function is still checked. Command-line values are
checked first, so a mistyped --runtime is still a usage error (exit 2).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.catalog.from_image import placeholder_runtime
from checker.catalog.load import load_catalog
from checker.catalog.model import ARCHES, Catalog
from checker.config import load_events, runtime_by_name
from checker.errors import InputError, LambdacheckError, UsageError
from checker.options import Event, ImageRef, Target, Unresolved
from checker.plan import parse_shard, shard
from checker.project_config import (
    FunctionSpec,
    ProjectConfig,
    load_project_config,
    merge,
    resolve_functions,
)


@dataclass(frozen=True)
class Selection:
    """What the command line says about which functions to check (empty = not given)."""

    artifacts: tuple[Path, ...] = ()
    runtimes: tuple[str, ...] = ()
    arches: tuple[str, ...] = ()
    handler: str | None = None
    layers: tuple[Path, ...] = ()
    runtime_files: tuple[Path, ...] = ()
    config: Path | None = None
    template: Path | None = None
    shard: str | None = None
    memory_mb: int | None = None
    timeout_s: float | None = None
    image_functions: tuple[tuple[str, str], ...] = ()  # template logical id -> image reference
    allow_outside_paths: bool = False  # read template code outside the template's folder


@dataclass(frozen=True)
class Selected:
    targets: tuple[Target, ...]
    catalog: Catalog
    config: ProjectConfig | None
    notes: tuple[str, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()  # functions that fail alone (in shard 1 only)


@dataclass(frozen=True)
class _Found:
    specs: tuple[FunctionSpec, ...]
    notes: tuple[str, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    sources: dict[str | None, Path] | None = None  # function name -> the file defining it


def select(selection: Selection, cwd: Path) -> Selected:
    config = load_project_config(cwd, selection.config)
    runtime_files = selection.runtime_files + (config.defaults.runtime_files if config else ())
    catalog = load_catalog(runtime_files)
    _check_command_line(selection, catalog)
    found = _specs(selection, config)
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
    chosen = tuple(targets)
    if selection.shard is not None:
        chosen = shard(chosen, selection.shard)
        if parse_shard(selection.shard)[0] != 1:
            unresolved = []
    return Selected(targets=chosen, catalog=catalog, config=config, notes=found.notes,
                    unresolved=tuple(unresolved))


def _check_command_line(selection: Selection, catalog: Catalog) -> None:
    """Command-line runtimes, arches and layers, before any function uses them."""
    for name in selection.runtimes:
        runtime_by_name(name, catalog)
    known = {arch for name in catalog.names() if (r := catalog.get(name)) for arch in r.arches}
    for arch in selection.arches:
        if arch not in ARCHES and arch not in known:
            raise UsageError(f"unknown architecture {arch!r}", hint="use --arch x86_64 or arm64")
    for layer in selection.layers:
        if not layer.exists():
            raise InputError(f"--layer {layer}: no such file or directory")


def _unresolved(spec: FunctionSpec, source: Path, error: LambdacheckError) -> Unresolved:
    return Unresolved(name=spec.name or "?", source=source, message=error.message,
                      hint=error.hint, runtime=", ".join(spec.runtimes or ()) or "unknown",
                      arch=", ".join(spec.arches or ("x86_64",)))


def _specs(selection: Selection, config: ProjectConfig | None) -> _Found:
    cli = FunctionSpec(
        runtimes=selection.runtimes or None, arches=selection.arches or None,
        handler=selection.handler, layers=selection.layers or None,
        memory_mb=selection.memory_mb, timeout_s=selection.timeout_s)
    defaults = config.defaults.function if config else FunctionSpec()
    if selection.artifacts:
        return _Found(tuple(merge(merge(defaults, FunctionSpec(artifact=a)), cli)
                            for a in selection.artifacts))
    template = selection.template or (config.defaults.template if config else None)
    allow_outside = selection.allow_outside_paths or bool(
        config and config.defaults.allow_outside_paths)
    discovered: tuple[FunctionSpec, ...] = ()
    notes: tuple[str, ...] = ()
    refused: tuple[Unresolved, ...] = ()
    sources: dict[str | None, Path] = {}
    if config is not None:
        sources.update((spec.name, config.source_path) for spec in config.functions)
    if template is not None:
        from checker.template import load_template  # PyYAML loads only for templates

        found = load_template(template, dict(selection.image_functions),
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
        for arch in dict.fromkeys(spec.arches or ("x86_64",)):
            _check_arch(runtime.name, runtime.arches, arch)
            targets.append(Target(
                artifact=spec.artifact, runtime=runtime, arch=arch, handler=spec.handler,
                layers=spec.layers or (), name=spec.name, events=events,
                memory_mb=spec.memory_mb, timeout_s=spec.timeout_s, env=spec.env))
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
    if image.transport != "docker-daemon" and not Path(image.reference).is_file():
        raise InputError(f"{image.reference}: no such image archive")
    events = _events(spec, catalog)
    return [Target(artifact=image, runtime=placeholder_runtime(str(image), arch), arch=arch,
                   handler=spec.handler, name=spec.name, events=events,
                   memory_mb=spec.memory_mb, timeout_s=spec.timeout_s, env=spec.env)
            for arch in dict.fromkeys(spec.arches or ("x86_64",))]


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
