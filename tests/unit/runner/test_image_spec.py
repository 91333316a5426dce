"""The container for a container-image function, from the image's config and the options."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from types import MappingProxyType

import pytest

from checker.catalog.model import HandlerStyle, Platform, Runtime
from checker.image.config import inspected_config
from checker.image.ref import ImageRef
from checker.options import ExecOptions, NetworkMode, Target
from checker.runner.rie_binary import find_rie
from checker.runner.spec import ImageStart, Ports, build_image_spec, image_command

PLATFORM = Platform(arch="arm64", glibc="2.31", glibc_sources=(), libraries=MappingProxyType({}),
                    absent=MappingProxyType({}), inventory_complete=False,
                    executables=frozenset(), ld_library_path=("/lib64",), image="")
IMAGE_RUNTIME = Runtime(name="image", os_id="image", os_name="from the image", family="image",
                        language_version=None, handler_style=HandlerStyle.CUSTOM,
                        platforms=MappingProxyType({"arm64": PLATFORM}))
INSPECTED = {  # the shape of the engine's `docker image inspect`
    "Id": "sha256:0123", "Architecture": "arm64",
    "Config": {"Env": ["PATH=/usr/bin", "LAMBDA_TASK_ROOT=/var/task", "A=b=c"],
               "Entrypoint": ["/lambda-entrypoint.sh"], "Cmd": ["app.handler"],
               "WorkingDir": "/var/task", "User": "1000"},
}


def spec_for(handler: str | None = None, rie: Path | None = None,
             network: NetworkMode = NetworkMode.HOST):  # type: ignore[no-untyped-def]
    config = inspected_config(INSPECTED, "test")
    target = Target(ImageRef("docker-daemon", "registry.example/team/orders:v2"), IMAGE_RUNTIME,
                    "arm64", handler=handler)
    start = ImageStart("registry.example/team/orders:v2", config.entrypoint or (),
                       config.cmd or (), config.workdir, rie)
    return build_image_spec(target, PLATFORM, ExecOptions(network=network, memory_mb=256), start,
                            name="c1", labels={"io.lambdacheck.session": "s"},
                            ports=Ports(9000, 9001))


def test_image_config_from_inspect() -> None:
    config = inspected_config(INSPECTED, "test")
    assert (config.architecture, config.entrypoint, config.cmd, config.user) == (
        "arm64", ("/lambda-entrypoint.sh",), ("app.handler",), "1000")
    assert dict(config.env)["A"] == "b=c"
    assert inspected_config({"Architecture": "amd64"}, "test").architecture == "x86_64"


def test_the_rie_starts_the_images_entrypoint_and_cmd_as_uid_993() -> None:
    spec, _ = spec_for()
    assert spec.entrypoint == ("/usr/local/bin/aws-lambda-rie",)
    assert spec.command == ("--runtime-interface-emulator-address", "127.0.0.1:9000",
                            "--runtime-api-address", "127.0.0.1:9001",
                            "/lambda-entrypoint.sh", "app.handler")
    assert (spec.user, spec.read_only, spec.working_dir) == ("993:990", True, "/var/task")
    assert spec.binds == ()  # nothing to unpack: no /var/task, no /opt
    assert (spec.platform, spec.memory_bytes) == ("linux/arm64", 256 * 1024 * 1024)
    assert dict(spec.tmpfs)["/tmp"].startswith("rw,exec,nosuid,nodev,size=512m")


def test_lambda_variables_leave_the_images_own_alone() -> None:
    env = dict(spec_for()[0].environment)
    assert (env["AWS_LAMBDA_FUNCTION_NAME"], env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]) == (
        "orders", "256")
    for owned in ("PATH", "LD_LIBRARY_PATH", "LAMBDA_TASK_ROOT", "LANG", "TZ", "_HANDLER"):
        assert owned not in env  # the image's ENV (the engine merges it) or its entrypoint


def test_a_handler_replaces_cmd_and_a_host_rie_is_mounted() -> None:
    spec, _ = spec_for(handler="other.handler", rie=Path("/cache/aws-lambda-rie-arm64"),
                       network=NetworkMode.BRIDGE)
    assert spec.command == ("--runtime-interface-emulator-address", "0.0.0.0:8080",
                            "/lambda-entrypoint.sh", "other.handler")
    assert [(b.source, b.target, b.read_only) for b in spec.binds] == [
        (Path("/cache/aws-lambda-rie-arm64"), "/usr/local/bin/aws-lambda-rie", True)]
    assert spec.publish_port == 8080


@pytest.mark.parametrize(("entrypoint", "cmd", "handler", "expected"), [
    (("/lambda-entrypoint.sh",), ("app.handler",), None, ("/lambda-entrypoint.sh", "app.handler")),
    ((), ("/var/runtime/bootstrap", "--flag"), None, ("/var/runtime/bootstrap", "--flag")),
    (("/usr/bin/python3", "-m", "awslambdaric"), ("app.h",), "app.other",
     ("/usr/bin/python3", "-m", "awslambdaric", "app.other")),
    ((), (), None, ()),
])
def test_image_command(entrypoint: tuple[str, ...], cmd: tuple[str, ...], handler: str | None,
                       expected: tuple[str, ...]) -> None:
    assert image_command(entrypoint, cmd, handler) == expected


def test_the_rie_is_taken_from_a_cached_aws_sam_cli_wheel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("LAMBDACHECK_STANDIN_CACHE", str(tmp_path / "standins"))
    assert find_rie("arm64") is None
    downloads = tmp_path / "standins" / "downloads"
    downloads.mkdir(parents=True)
    for version in ("1.9.0", "1.10.0"):
        with zipfile.ZipFile(downloads / f"aws_sam_cli-{version}-py3-none-any.whl", "w") as wheel:
            wheel.writestr("samcli/local/rapid/aws-lambda-rie-arm64", f"rie {version}")
    found = find_rie("arm64")
    assert found == (tmp_path / "cache" / "lambdacheck" / "rie" /
                     "aws_sam_cli-1.10.0-py3-none-any" / "aws-lambda-rie-arm64")
    assert found.read_text() == "rie 1.10.0"  # the newest wheel, not the last in name order
    assert os.access(found, os.X_OK)
    assert find_rie("x86_64") is None  # neither wheel has one
