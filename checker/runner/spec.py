"""The container one target runs in, as plain data: Lambda's sandbox and environment.

Pure: a Target, its Platform and the ExecOptions in, a ContainerSpec out. runner/docker.py turns
the spec into engine calls. The RIE makes nothing read-only or non-root (its issue #140), so
the spec does: uid 993:990, read-only root, a tmpfs /tmp, a memory limit without swap, no
capabilities, no privilege gain, Lambda's process and file-descriptor limits.
"""

from __future__ import annotations

import math
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from checker.catalog.model import HandlerStyle, Platform
from checker.image.ref import ImageRef
from checker.lambda_env import (
    ARCH_NAMES,
    LD_LIBRARY_PATH,
    OPT,
    PATH,
    RUNTIME_BOOTSTRAP,
    RUNTIME_DIR,
    TASK_ROOT,
    Arch,
)
from checker.options import ExecOptions, NetworkMode, Target
from checker.records import record

RIE_BINARY = "/usr/local/bin/aws-lambda-rie"
FUNCTION_USER = "993:990"  # what Lambda runs functions as (sbx_user1051)
RIE_CONTAINER_PORT = 8080  # bridge network: the RIE's port inside the container
PIDS_LIMIT = 1024  # Lambda's quota: 1,024 processes/threads
NOFILE_LIMIT = 1024  # Lambda's quota: 1,024 file descriptors
DUMMY_CREDENTIALS = (  # AWS's documented example keys: obviously not real, accepted by SDKs
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("AWS_SESSION_TOKEN", "lambdacheck-dummy-session-token"),
)
# Lambda refuses a function configuration that sets any of these.
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
# Read by the RIE, not by Lambda: set from the options, never from --env.
EMULATOR_VARIABLES = frozenset({"AWS_LAMBDA_FUNCTION_TIMEOUT"})
DEFAULT_REGION = "us-east-1"
# Lambda requires a Handler for every ZIP function and sets _HANDLER from it, custom runtimes
# included. Without one (no --handler, template or config), a custom runtime gets the name SAM's
# own provided.* templates use, so a runtime that reads $_HANDLER sees what it would on Lambda.
DEFAULT_CUSTOM_HANDLER = "bootstrap"
# An image sets these itself (the AWS base images in their ENV); Lambda leaves them to it.
IMAGE_OWNED_VARIABLES = frozenset({
    "PATH", "LD_LIBRARY_PATH", "LANG", "TZ", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})


@record
class Ports:
    """Host-side ports on 127.0.0.1. runtime_api is set on the host network only (on a bridge
    the runtime API stays inside the container's own loopback)."""

    rie: int
    runtime_api: int | None = None


@record
class Bind:
    """A host path mounted into the container (read-only unless said otherwise)."""

    source: Path
    target: str
    read_only: bool = True


@record
class ContainerSpec:
    """The container to create for one target, as plain data: image, command, environment,
    mounts, network, and Lambda's sandbox limits."""

    image: str
    name: str
    entrypoint: tuple[str, ...]
    command: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str], ...]
    binds: tuple[Bind, ...]
    network: NetworkMode
    publish_port: int | None  # bridge: the container port to publish on 127.0.0.1:<random>
    memory_bytes: int
    tmpfs: tuple[tuple[str, str], ...]
    platform: str | None
    user: str = FUNCTION_USER
    working_dir: str = TASK_ROOT
    read_only: bool = True
    pids_limit: int = PIDS_LIMIT
    nofile: int = NOFILE_LIMIT


@record
class ImageStart:
    """How a container-image function starts: what the engine runs, the image's ENTRYPOINT,
    CMD and WORKDIR, and a host RIE to mount when the image has none."""

    reference: str
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    working_dir: str
    rie_mount: Path | None = None


@record
class Staging:
    """Where the unpacked function and layers are on the host."""

    task_dir: Path
    opt_dir: Path


def engine_platform(arch: str) -> str | None:
    """The engine's platform string for a Lambda architecture ("linux/arm64")."""
    return Arch(arch).platform if arch in ARCH_NAMES else None


def function_name(target: Target) -> str:
    """A valid Lambda function name (letters, digits, - and _, at most 64) for the target."""
    base = target.name or _artifact_stem(target.artifact)
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-") or "function"
    return cleaned[:64]


def _artifact_stem(artifact: Path | ImageRef) -> str:
    """A ZIP's or archive's file name without its extension; an image name without its
    registry, repository path and tag."""
    if isinstance(artifact, ImageRef) and not artifact.is_archive:
        return artifact.location.rsplit("/", 1)[-1].split(":", 1)[0]
    path = artifact.path if isinstance(artifact, ImageRef) else artifact
    return path.name.rsplit(".", 1)[0]


def function_handler(target: Target) -> str | None:
    """What Lambda puts in _HANDLER for the target: its handler, else DEFAULT_CUSTOM_HANDLER
    for a custom runtime. None for an image (its CMD, or ImageConfig.Command, says) and for a
    managed runtime without a handler (which cannot run)."""
    if isinstance(target.artifact, ImageRef) or target.handler:
        return target.handler
    if target.runtime.handler_style is HandlerStyle.CUSTOM:
        return DEFAULT_CUSTOM_HANDLER
    return None


def network_mode(options: ExecOptions) -> NetworkMode:
    """The network the container runs on (execute() resolves None before anything starts)."""
    return options.network or NetworkMode.BRIDGE


def timeout_seconds(options: ExecOptions) -> int:
    """Lambda timeouts are whole seconds; the RIE reads an integer too."""
    return max(1, math.ceil(options.timeout_s))


def lambda_environment(target: Target, platform: Platform, options: ExecOptions,
                       ) -> tuple[dict[str, str], tuple[str, ...]]:
    """The environment Lambda gives the function, then --env on top; and notes on overrides.
    For an image, the variables it owns (IMAGE_OWNED_VARIABLES) come from its own ENV."""
    name = function_name(target)
    today = datetime.now(timezone.utc).strftime("%Y/%m/%d")
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(options.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_seconds(options)),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{today}/[$LATEST]{os.urandom(16).hex()}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": DEFAULT_REGION,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
        "LAMBDA_TASK_ROOT": TASK_ROOT,
        "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": PATH,
        "LD_LIBRARY_PATH": ":".join(platform.ld_library_path) or LD_LIBRARY_PATH,
        **dict(DUMMY_CREDENTIALS),
    }
    notes = []
    handler = function_handler(target)
    if isinstance(target.artifact, ImageRef):
        env = {key: value for key, value in env.items() if key not in IMAGE_OWNED_VARIABLES}
    elif handler:
        env["_HANDLER"] = handler
        if not target.handler:
            notes.append(f"no handler given: _HANDLER is {handler!r}, lambdacheck's default for "
                         "custom runtimes (Lambda requires a Handler for ZIP functions: give "
                         "--handler, or Handler in the template)")
    if target.runtime.handler_style is not HandlerStyle.CUSTOM:
        env["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{target.runtime.name}"
    if timeout_seconds(options) != options.timeout_s:
        notes.append(f"timeout {options.timeout_s:g} s rounded up to {timeout_seconds(options)} s "
                     "(Lambda counts whole seconds)")
    for key, value in options.env:
        if key in EMULATOR_VARIABLES:
            notes.append(f"--env {key} ignored: the timeout comes from --timeout")
            continue
        if key in RESERVED_VARIABLES:
            notes.append(f"--env {key} overrides a variable Lambda reserves; "
                         "a deployment that sets it is rejected")
        env[key] = value
    return env, tuple(notes)


def rie_addresses(options: ExecOptions, ports: Ports) -> tuple[str, ...]:
    """The RIE's own flags: where it listens."""
    if network_mode(options) is NetworkMode.HOST:
        return (
            "--runtime-interface-emulator-address", f"127.0.0.1:{ports.rie}",
            "--runtime-api-address", f"127.0.0.1:{ports.runtime_api}",
        )
    return ("--runtime-interface-emulator-address", f"0.0.0.0:{RIE_CONTAINER_PORT}")


def rie_command(target: Target, options: ExecOptions, ports: Ports) -> tuple[str, ...]:
    """The RIE's arguments: where it listens, then the bootstrap for managed runtimes.

    A custom runtime gets none: the RIE looks for /var/task/bootstrap, then /opt/bootstrap,
    as Lambda does. A managed runtime starts the image's /var/runtime/bootstrap with _HANDLER
    set, which is what the official images' /lambda-entrypoint.sh does under the RIE.
    """
    command = rie_addresses(options, ports)
    if target.runtime.handler_style is HandlerStyle.CUSTOM:
        return command
    return (*command, RUNTIME_BOOTSTRAP)


def build_spec(target: Target, platform: Platform, options: ExecOptions, *, image: str,
               name: str, labels: dict[str, str], staging: Staging, ports: Ports,
               ) -> tuple[ContainerSpec, tuple[str, ...]]:
    """The container for `target`, and notes on what the options changed (reserved --env)."""
    env, notes = lambda_environment(target, platform, options)
    binds = [Bind(staging.task_dir, TASK_ROOT), Bind(staging.opt_dir, OPT)]
    if options.rie_path is not None:
        binds.append(Bind(options.rie_path.resolve(), RIE_BINARY))
    bridge = network_mode(options) is NetworkMode.BRIDGE
    spec = ContainerSpec(
        image=image,
        name=name,
        entrypoint=(RIE_BINARY,),
        command=rie_command(target, options, ports),
        environment=tuple(sorted(env.items())),
        labels=tuple(sorted(labels.items())),
        binds=tuple(binds),
        network=network_mode(options),
        publish_port=RIE_CONTAINER_PORT if bridge else None,
        memory_bytes=options.memory_mb * 1024 * 1024,
        tmpfs=_tmpfs(options),
        platform=engine_platform(target.arch),
    )
    return spec, notes


def image_command(entrypoint: tuple[str, ...], cmd: tuple[str, ...],
                  handler: str | None) -> tuple[str, ...]:
    """What Lambda starts in an image: its ENTRYPOINT with its CMD, or with the handler in
    place of the CMD (the function's ImageConfig command)."""
    return (*entrypoint, handler) if handler else (*entrypoint, *cmd)


def build_image_spec(target: Target, platform: Platform, options: ExecOptions,
                     image: ImageStart, *, name: str, labels: dict[str, str], ports: Ports,
                     ) -> tuple[ContainerSpec, tuple[str, ...]]:
    """The container for a container-image function: the image's own ENTRYPOINT and CMD
    started by the RIE, as uid 993 with a read-only root whatever its USER says; the image's
    ENV under Lambda's variables; nothing mounted but the RIE when the image lacks one."""
    env, notes = lambda_environment(target, platform, options)
    binds = (Bind(image.rie_mount, RIE_BINARY),) if image.rie_mount is not None else ()
    bridge = network_mode(options) is NetworkMode.BRIDGE
    spec = ContainerSpec(
        image=image.reference,
        name=name,
        entrypoint=(RIE_BINARY,),
        command=(*rie_addresses(options, ports),
                 *image_command(image.entrypoint, image.cmd, target.handler)),
        environment=tuple(sorted(env.items())),
        labels=tuple(sorted(labels.items())),
        binds=binds,
        network=network_mode(options),
        publish_port=RIE_CONTAINER_PORT if bridge else None,
        memory_bytes=options.memory_mb * 1024 * 1024,
        tmpfs=_tmpfs(options),
        platform=engine_platform(target.arch),
        working_dir=image.working_dir or "/",
    )
    return spec, notes


def _tmpfs(options: ExecOptions) -> tuple[tuple[str, str], ...]:
    return (("/tmp", f"rw,exec,nosuid,nodev,size={options.ephemeral_mb}m,mode=1777"),)
