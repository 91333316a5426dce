"""The container spec: Lambda's sandbox settings and environment, from a Target and options."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from checker.catalog.model import HandlerStyle, Platform, Runtime
from checker.options import ExecOptions, NetworkMode, Target
from checker.runner.spec import ContainerSpec, Ports, Staging, build_spec, function_name


def runtime(style: HandlerStyle, name: str, ld_path: tuple[str, ...] = ()) -> Runtime:
    platform = Platform(
        arch="x86_64", glibc="2.31", glibc_sources=(), libraries=MappingProxyType({}),
        absent=MappingProxyType({}), inventory_complete=False, executables=frozenset(),
        ld_library_path=ld_path, image="example/image:tag")
    return Runtime(name=name, os_id="custom", os_name="Custom", family="python",
                   language_version=None, handler_style=style,
                   platforms=MappingProxyType({"x86_64": platform}))


PYTHON = runtime(HandlerStyle.PYTHON, "python3.12", ("/var/lang/lib", "/lib64"))
PROVIDED = runtime(HandlerStyle.CUSTOM, "provided.al2023")
STAGING = Staging(Path("/tmp/t/task"), Path("/tmp/t/opt"))


HOST_PORTS = Ports(9000, 9001)


def spec_for(target: Target, options: ExecOptions, ports: Ports = HOST_PORTS,
             ) -> tuple[ContainerSpec, tuple[str, ...]]:
    platform = target.runtime.platform("x86_64")
    assert platform is not None
    return build_spec(target, platform, options, image="img", name="c1",
                      labels={"io.lambdacheck.session": "s"}, staging=STAGING, ports=ports)


def test_sandbox_settings() -> None:
    spec, _ = spec_for(Target(Path("fn.zip"), PROVIDED, "x86_64"),
                       ExecOptions(memory_mb=256, ephemeral_mb=1024))
    assert (spec.user, spec.read_only, spec.working_dir) == ("993:990", True, "/var/task")
    assert spec.memory_bytes == 256 * 1024 * 1024
    assert dict(spec.tmpfs)["/tmp"] == "rw,exec,nosuid,nodev,size=1024m,mode=1777"
    assert [(b.source, b.target, b.read_only) for b in spec.binds] == [
        (STAGING.task_dir, "/var/task", True), (STAGING.opt_dir, "/opt", True)]
    assert (spec.pids_limit, spec.nofile) == (1024, 1024)
    assert spec.entrypoint == ("/usr/local/bin/aws-lambda-rie",)


def test_custom_runtime_lets_the_rie_find_bootstrap_on_the_host_network() -> None:
    spec, _ = spec_for(Target(Path("fn.zip"), PROVIDED, "x86_64"),
                       ExecOptions(network=NetworkMode.HOST))
    assert spec.command == ("--runtime-interface-emulator-address", "127.0.0.1:9000",
                            "--runtime-api-address", "127.0.0.1:9001")
    assert spec.publish_port is None
    env = dict(spec.environment)
    assert "AWS_EXECUTION_ENV" not in env  # not set for OS-only runtimes


def test_a_custom_runtime_without_a_handler_gets_the_documented_default_and_a_note() -> None:
    spec, notes = spec_for(Target(Path("fn.zip"), PROVIDED, "x86_64"), ExecOptions())
    assert dict(spec.environment)["_HANDLER"] == "bootstrap"
    assert notes == (("no handler given: _HANDLER is 'bootstrap', lambdacheck's default for "
                      "custom runtimes (Lambda requires a Handler for ZIP functions: give "
                      "--handler, or Handler in the template)"),)
    spec, notes = spec_for(Target(Path("fn.zip"), PROVIDED, "x86_64", handler="function.handler"),
                           ExecOptions())
    assert dict(spec.environment)["_HANDLER"] == "function.handler"
    assert notes == ()


def test_without_a_resolved_network_the_spec_is_a_bridge() -> None:
    spec, _ = spec_for(Target(Path("fn.zip"), PROVIDED, "x86_64", handler="h"), ExecOptions(),
                       Ports(0))
    assert (spec.network, spec.publish_port) == (NetworkMode.BRIDGE, 8080)
    assert spec.command == ("--runtime-interface-emulator-address", "0.0.0.0:8080")


def test_managed_runtime_starts_the_images_bootstrap_with_handler_on_a_bridge() -> None:
    spec, _ = spec_for(Target(Path("fn.zip"), PYTHON, "x86_64", handler="app.handler"),
                       ExecOptions(network=NetworkMode.BRIDGE), Ports(0))
    assert spec.command == ("--runtime-interface-emulator-address", "0.0.0.0:8080",
                            "/var/runtime/bootstrap")
    assert spec.publish_port == 8080
    env = dict(spec.environment)
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["LD_LIBRARY_PATH"] == "/var/lang/lib:/lib64"


def test_lambda_environment() -> None:
    spec, notes = spec_for(Target(Path("dist/my fn.zip"), PROVIDED, "x86_64", handler="h"),
                           ExecOptions(memory_mb=512, timeout_s=2.5))
    env = dict(spec.environment)
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "my-fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "3"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/my-fn"
    assert (env["TZ"], env["LANG"], env["AWS_REGION"]) == (":UTC", "en_US.UTF-8", "us-east-1")
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert notes == ("timeout 2.5 s rounded up to 3 s (Lambda counts whole seconds)",)


def test_user_env_wins_with_a_note_for_reserved_names() -> None:
    options = ExecOptions(env=(("STAGE", "test"), ("AWS_REGION", "eu-west-1"),
                               ("AWS_LAMBDA_FUNCTION_TIMEOUT", "900")), timeout_s=3)
    spec, notes = spec_for(Target(Path("fn.zip"), PROVIDED, "x86_64", handler="h"), options)
    env = dict(spec.environment)
    assert (env["STAGE"], env["AWS_REGION"], env["AWS_LAMBDA_FUNCTION_TIMEOUT"]) == (
        "test", "eu-west-1", "3")
    assert len(notes) == 2
    assert notes[0].startswith("--env AWS_REGION overrides a variable Lambda reserves")
    assert notes[1].startswith("--env AWS_LAMBDA_FUNCTION_TIMEOUT ignored")


def test_rie_override_is_mounted_over_the_images_binary(tmp_path: Path) -> None:
    rie = tmp_path / "aws-lambda-rie"
    rie.write_bytes(b"")
    spec, _ = spec_for(Target(Path("fn.zip"), PROVIDED, "x86_64"), ExecOptions(rie_path=rie))
    assert (spec.binds[-1].source, spec.binds[-1].target) == (rie, "/usr/local/bin/aws-lambda-rie")


@pytest.mark.parametrize(("name", "artifact", "expected"), [
    (None, "build/function.zip", "function"),
    ("Orders_API", "x.zip", "Orders_API"),
    (None, "/srv/a.b.c/", "a-b"),
    (None, "ä", "function"),
])
def test_function_name(name: str | None, artifact: str, expected: str) -> None:
    assert function_name(Target(Path(artifact), PROVIDED, "x86_64", name=name)) == expected
