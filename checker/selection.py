"""Which functions to check: from the command line, a project config, or a SAM template.

Precedence, lowest first: config defaults < template functions < config functions of the same
name < command-line options. The result is frozen Targets; nothing later reads config files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.catalog import load_catalog
from checker.config import load_events, runtime_by_name
from checker.errors import InputError, UsageError
from checker.image_runtime import placeholder_runtime
from checker.options import Event, ImageRef, Target
from checker.plan import shard
from checker.project_config import (
    FunctionSpec,
    ProjectConfig,
    load_project_config,
    merge,
    resolve_functions,
)
from checker.runtime import ARCHES, Catalog


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


@dataclass(frozen=True)
class Selected:
    targets: tuple[Target, ...]
    catalog: Catalog
    config: ProjectConfig | None
    notes: tuple[str, ...] = ()


def select(selection: Selection, cwd: Path) -> Selected:
    config = load_project_config(cwd, selection.config)
    runtime_files = selection.runtime_files + (config.defaults.runtime_files if config else ())
    catalog = load_catalog(runtime_files)
    specs, notes = _specs(selection, config)
    targets = tuple(t for spec in specs for t in _targets(spec, catalog))
    if selection.shard is not None:
        targets = shard(targets, selection.shard)
    return Selected(targets=targets, catalog=catalog, config=config, notes=notes)


def _specs(selection: Selection, config: ProjectConfig | None,
           ) -> tuple[tuple[FunctionSpec, ...], tuple[str, ...]]:
    cli = FunctionSpec(
        runtimes=selection.runtimes or None, arches=selection.arches or None,
        handler=selection.handler, layers=selection.layers or None,
        memory_mb=selection.memory_mb, timeout_s=selection.timeout_s)
    defaults = config.defaults.function if config else FunctionSpec()
    if selection.artifacts:
        return tuple(merge(merge(defaults, FunctionSpec(artifact=a)), cli)
                     for a in selection.artifacts), ()
    template = selection.template or (config.defaults.template if config else None)
    discovered: tuple[FunctionSpec, ...] = ()
    notes: tuple[str, ...] = ()
    if template is not None:
        from checker.template import load_template  # PyYAML loads only for templates

        found = load_template(template, dict(selection.image_functions))
        discovered, notes = found.functions, found.notes
    specs = resolve_functions(config, discovered) if config else \
        tuple(merge(defaults, spec) for spec in discovered)
    if not specs:
        raise UsageError(
            "nothing to check: no artifact given" + (
                f", and {template} defines no function that can be checked locally"
                if template else ", no --template, and no lambdacheck config found"),
            hint="lambdacheck check build/function.zip --runtime python3.12, or --template "
                 "template.yaml, or a [tool.lambdacheck] table in pyproject.toml")
    return tuple(merge(spec, cli) for spec in specs), notes


def _targets(spec: FunctionSpec, catalog: Catalog) -> list[Target]:
    label = spec.name or (str(spec.artifact) if spec.artifact else "a function")
    if spec.artifact is None:
        raise UsageError(f"{label}: no artifact", hint="set its artifact (CodeUri) path")
    image = ImageRef.parse(str(spec.artifact))
    if image is not None:
        return _image_targets(spec, image)
    if not spec.runtimes:
        raise UsageError(f"{label}: no runtime given",
                         hint="name the Lambda runtime, e.g. --runtime python3.12 "
                              "(lambdacheck runtimes lists them)")
    for path in (spec.artifact, *(spec.layers or ())):
        if not path.exists():
            raise InputError(f"{path}: no such file or directory",
                             hint=f"build {label} first" if spec.name else None)
    events = _events(spec)
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


def _image_targets(spec: FunctionSpec, image: ImageRef) -> list[Target]:
    """An image is its own runtime: --runtime does not apply, layers cannot be added."""
    if spec.layers:
        raise UsageError(f"{image}: a container image takes no layers",
                         hint="COPY the layer contents into /opt in the image")
    if image.transport != "docker-daemon" and not Path(image.reference).is_file():
        raise InputError(f"{image.reference}: no such image archive")
    events = _events(spec)
    return [Target(artifact=image, runtime=placeholder_runtime(str(image), arch), arch=arch,
                   handler=spec.handler, name=spec.name, events=events,
                   memory_mb=spec.memory_mb, timeout_s=spec.timeout_s, env=spec.env)
            for arch in dict.fromkeys(spec.arches or ("x86_64",))]


def _events(spec: FunctionSpec) -> tuple[Event, ...] | None:
    """The function's own events (config/template); None to use the run's."""
    if spec.events is None and spec.expect is None:
        return None
    return load_events([str(p) for p in spec.events or ()], spec.expect)


def _check_arch(runtime: str, available: Sequence[str], arch: str) -> None:
    if arch not in ARCHES and arch not in available:
        raise UsageError(f"unknown architecture {arch!r}", hint="use --arch x86_64 or arm64")
    if arch not in available:
        raise UsageError(f"{runtime} is not available for {arch}",
                         hint=f"it runs on {', '.join(available)}")
