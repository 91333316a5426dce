"""The one ImageConfig: how an image starts (ENTRYPOINT, CMD, ENV, WORKDIR, USER), for which
platform, with which labels, from an image config JSON (an archive's, read by checker.image)
or from an engine's `docker image inspect` (the runner's); both carry the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.errors import InputError
from checker.lambda_env import Arch
from checker.records import record


@record
class ImageConfig:
    """The image config's runtime settings, as the engine (and Lambda) would apply them.

    architecture: "x86_64" for amd64, "arm64" for arm64 (Lambda's names); else the raw value
    entrypoint/cmd: None when unset, () when set to an empty list
    env: ENV entries in order, split at the first "="
    """

    architecture: str
    os: str
    variant: str | None
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    env: tuple[tuple[str, str], ...]
    workdir: str
    user: str
    labels: Mapping[str, str]


def image_config(config: Mapping[str, Any], label: str) -> ImageConfig:
    """ImageConfig from an image config JSON object (docker's or OCI's: the same fields)."""
    settings = config.get("config") or {}
    if not isinstance(settings, dict):
        raise InputError(f"{label}: the image config's config is not an object")
    architecture = _string(config.get("architecture"), "architecture", label)
    labels = settings.get("Labels") or {}
    if not isinstance(labels, dict):
        raise InputError(f"{label}: the image config's Labels is not an object")
    variant = config.get("variant")
    return ImageConfig(
        architecture=Arch.lambda_name(architecture),
        os=_string(config.get("os"), "os", label),
        variant=str(variant) if variant else None,
        entrypoint=_argv(settings.get("Entrypoint"), "Entrypoint", label),
        cmd=_argv(settings.get("Cmd"), "Cmd", label),
        env=tuple(_env_pair(item) for item in _argv(settings.get("Env"), "Env", label) or ()),
        workdir=_string(settings.get("WorkingDir"), "WorkingDir", label),
        user=_string(settings.get("User"), "User", label),
        labels={str(key): str(value) for key, value in labels.items()},
    )


def _argv(value: Any, key: str, label: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(f"{label}: the image config's {key} is not a list of strings")
    return tuple(value)


def _string(value: Any, key: str, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{label}: the image config's {key} is not a string")
    return value


def _env_pair(item: str) -> tuple[str, str]:
    key, _, value = item.partition("=")
    return key, value


def inspected_config(found: Mapping[str, Any], label: str) -> ImageConfig:
    """ImageConfig from an engine's `inspect` of an image (its top-level Architecture, Os and
    Variant, and its Config object: the image config's fields, capitalised)."""
    return image_config({"architecture": found.get("Architecture"), "os": found.get("Os"),
                         "variant": found.get("Variant"), "config": found.get("Config")}, label)
