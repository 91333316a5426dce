"""Container-image functions: the image's own ENTRYPOINT and CMD started by the real RIE, as
Lambda runs them (uid 993 whatever USER says, read-only root, Lambda's variables over the
image's ENV), from the engine or from docker-archive / oci-archive files that are loaded for
the run and removed afterwards. Images are built FROM the stand-ins with the engine's builder.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors
import pytest

from checker.catalog.model import Runtime
from checker.errors import ExecutionUnavailable
from checker.findings import Invocation
from checker.image.ref import ImageRef
from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import ExecutionResult, execute
from tests.build.compile import BuildCache
from tests.integration.conftest import STANDIN_IMAGES, STANDINS, image_runtime
from tests.integration.runner.oci_layout import docker_save_to_oci

pytestmark = pytest.mark.docker

PYTHON_BOOTSTRAP = (STANDINS / "custom" / "bootstrap").read_bytes()
RUNTIME_C = STANDINS / "custom" / "runtime.c"
PROVIDED_BASE = STANDIN_IMAGES[0]
ENV_NAMES = ["IMAGE_ONLY", "STAGE", "LAMBDA_TASK_ROOT", "PATH", "_HANDLER",
             "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION"]
ECHO = Event("echo", json.dumps({"action": "echo"}), json.dumps({"echo": {"action": "echo"}}))
BuildImage = Callable[[str, str, dict[str, tuple[bytes, int]]], str]


def event(name: str, expect: object = None, **payload: object) -> Event:
    return Event(name, json.dumps(payload), None if expect is None else json.dumps(expect))


def options(*events: Event, **changes: object) -> ExecOptions:
    base = ExecOptions(events=events, network=NetworkMode.HOST, pull=PullPolicy.NEVER,
                       timeout_s=3, memory_mb=128)
    return ExecOptions(**{**base.__dict__, **changes})


def run(reference: str, runtime: Runtime, opts: ExecOptions, handler: str | None = None,
        ) -> ExecutionResult:
    target = Target(ImageRef.parse(reference) or ImageRef("docker-daemon", reference),
                    runtime, "x86_64", handler=handler)
    return execute([target], opts)[target.id]


def outcomes(result: ExecutionResult) -> list[str]:
    assert result.skipped is None, result.skipped
    return [invocation.outcome for invocation in result.invocations]


@pytest.fixture(scope="module")
def x86_64(provided: Runtime) -> Runtime:
    return image_runtime(provided, "x86_64")


@pytest.fixture(scope="module")
def static_runtime(build_cache: BuildCache) -> bytes:
    return build_cache.c(RUNTIME_C, name="runtime-static", flags=["-O2", "-static"]).read_bytes()


@pytest.fixture(scope="module")
def passing_image(build_image: BuildImage, static_runtime: bytes) -> str:
    return build_image("passing", f"FROM {PROVIDED_BASE}\nCOPY bootstrap /var/runtime/bootstrap\n"
                       'CMD ["function.handler"]\n', {"bootstrap": (static_runtime, 0o755)})


@pytest.fixture(scope="module")
def sandbox_run(build_image: BuildImage, x86_64: Runtime) -> dict[str, Invocation]:
    tag = build_image(
        "sandbox", f"FROM {PROVIDED_BASE}\nENV IMAGE_ONLY=from-image STAGE=from-image\n"
        "COPY bootstrap /var/runtime/bootstrap\nUSER 1000\nCMD [\"function.handler\"]\n",
        {"bootstrap": (PYTHON_BOOTSTRAP, 0o755)})
    result = run(tag, x86_64, options(
        event("identity", {"uid": 993, "gid": 990, "cwd": "/var/task"}, action="echo"),
        event("env", action="env", names=ENV_NAMES),
        event("write-root", action="write", path="/var/runtime/new-file"),
        event("write-tmp", action="write", path="/tmp/scratch"),
        env=(("STAGE", "from-env"),)))
    assert result.notes[-1] == "the image's USER 1000 is ignored: Lambda runs images as uid 993"
    assert result.skipped is None
    return {invocation.event_name: invocation for invocation in result.invocations}


def test_the_image_runs_as_uid_993_whatever_its_user_says(
        sandbox_run: dict[str, Invocation]) -> None:
    assert sandbox_run["identity"].outcome == "success"


def test_lambda_variables_lie_over_the_images_env(sandbox_run: dict[str, Invocation]) -> None:
    env = json.loads(sandbox_run["env"].response)
    assert (env["IMAGE_ONLY"], env["STAGE"]) == ("from-image", "from-env")
    assert env["LAMBDA_TASK_ROOT"] == "/var/task"  # the image's own ENV
    assert env["PATH"].startswith("/var/lang/bin:/usr/local/bin")  # the image's own ENV
    assert env["_HANDLER"] == "function.handler"  # the CMD, given to the entrypoint
    assert (env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], env["AWS_REGION"]) == ("128", "us-east-1")
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "sandbox"


def test_the_root_filesystem_is_read_only_and_tmp_is_not(
        sandbox_run: dict[str, Invocation]) -> None:
    assert "Read-only file system" in sandbox_run["write-root"].message
    assert sandbox_run["write-tmp"].outcome == "success"


def test_a_handler_takes_the_place_of_cmd(build_image: BuildImage, x86_64: Runtime) -> None:
    tag = build_image("handler", f"FROM {PROVIDED_BASE}\nCOPY bootstrap /var/runtime/bootstrap\n"
                      'CMD ["function.handler"]\n', {"bootstrap": (PYTHON_BOOTSTRAP, 0o755)})
    result = run(tag, x86_64, options(event("env", action="env", names=["_HANDLER"])),
                 handler="other.handler")
    assert json.loads(result.invocations[0].response) == {"_HANDLER": "other.handler"}


def test_a_custom_runtime_in_var_runtime_passes(passing_image: str, x86_64: Runtime) -> None:
    result = run(passing_image, x86_64, options(ECHO, ECHO))
    assert outcomes(result) == ["success", "success"]
    assert result.invocations[0].init_duration_ms is not None


def test_a_binary_needing_a_newer_glibc_fails_with_the_loaders_line(
        build_image: BuildImage, build_cache: BuildCache, x86_64: Runtime) -> None:
    dynamic = build_cache.c(RUNTIME_C, name="runtime-dynamic", flags=["-O2"])
    tag = build_image("newer-glibc", f"FROM {PROVIDED_BASE}\n"
                      "COPY bootstrap /var/runtime/bootstrap\nCMD [\"function.handler\"]\n",
                      {"bootstrap": (dynamic.read_bytes(), 0o755)})
    (invocation,) = run(tag, x86_64, options(ECHO)).invocations
    assert invocation.outcome == "init-error"
    assert "version `GLIBC_2.34' not found" in invocation.message
    assert "version `GLIBC_2.34' not found" in invocation.output_tail


def test_a_runtime_in_var_task_on_a_provided_base_is_never_started(
        build_image: BuildImage, static_runtime: bytes, x86_64: Runtime) -> None:
    tag = build_image("task-bootstrap", f"FROM {PROVIDED_BASE}\n"
                      "COPY bootstrap /var/task/bootstrap\nCMD [\"function.handler\"]\n",
                      {"bootstrap": (static_runtime, 0o755)})
    (invocation,) = run(tag, x86_64, options(ECHO)).invocations
    assert invocation.outcome == "init-error"
    assert invocation.message.endswith("exec: /var/runtime/bootstrap: not found")


def test_a_bootstrap_only_root_may_read_is_denied_to_uid_993(
        build_image: BuildImage, static_runtime: bytes, x86_64: Runtime) -> None:
    tag = build_image("private-bootstrap", f"FROM {PROVIDED_BASE}\n"
                      "COPY bootstrap /var/runtime/bootstrap\nCMD [\"function.handler\"]\n",
                      {"bootstrap": (static_runtime, 0o700)})
    (invocation,) = run(tag, x86_64, options(ECHO)).invocations
    assert invocation.outcome == "init-error"
    assert invocation.message.endswith("exec: /var/runtime/bootstrap: Permission denied")


def rie_wheel(docker_client: docker.DockerClient, directory: Path) -> Path:
    """A wheel holding the RIE where aws-sam-cli keeps it (the binary copied from a stand-in)."""
    container = docker_client.containers.create(PROVIDED_BASE, entrypoint=["/never-run"])
    try:
        stream, _ = container.get_archive("/usr/local/bin/aws-lambda-rie")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.extractfile("aws-lambda-rie")
            assert member is not None
            binary = member.read()
    finally:
        container.remove(force=True)
    directory.mkdir(parents=True)
    wheel = directory / "aws_sam_cli-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("samcli/local/rapid/aws-lambda-rie-x86_64", binary)
    return wheel


def test_an_image_without_the_rie_gets_one_from_the_wheel_cache_or_is_skipped(
        build_image: BuildImage, static_runtime: bytes, x86_64: Runtime, tmp_path: Path,
        docker_client: docker.DockerClient, monkeypatch: pytest.MonkeyPatch) -> None:
    tag = build_image("from-scratch", "FROM scratch\nCOPY bootstrap /bootstrap\n"
                      'ENTRYPOINT ["/bootstrap"]\n', {"bootstrap": (static_runtime, 0o755)})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("LAMBDACHECK_STANDIN_CACHE", str(tmp_path / "standins"))
    skipped = run(tag, x86_64, options(ECHO, allow_skip=True))
    assert skipped.skipped == (f"image docker-daemon:{tag} has no /usr/local/bin/aws-lambda-rie "
                               "and no x86_64 RIE was found: give --rie PATH (aws-lambda-rie "
                               "from the aws-sam-cli wheel)")
    rie_wheel(docker_client, tmp_path / "standins" / "downloads")
    assert outcomes(run(tag, x86_64, options(ECHO))) == ["success"]
    assert (tmp_path / "cache" / "lambdacheck" / "rie").is_dir()


def image_ids(client: docker.DockerClient) -> set[str]:
    return {str(image.id) for image in client.images.list(all=True)}


def saved_then_removed(client: docker.DockerClient, tag: str, path: Path) -> str:
    """`docker save` the image to `path`, then remove it from the engine; returns its id."""
    image = client.images.get(tag)
    with path.open("wb") as out:
        for chunk in image.save(named=True):
            out.write(chunk)
    client.images.remove(tag, force=True)
    return str(image.id)


def test_a_docker_archive_is_loaded_for_the_run_and_removed_after(
        build_image: BuildImage, static_runtime: bytes, x86_64: Runtime, tmp_path: Path,
        docker_client: docker.DockerClient) -> None:
    tag = build_image("archived", f"FROM {PROVIDED_BASE}\nCOPY bootstrap /var/runtime/bootstrap\n"
                      "LABEL archived=1\nCMD [\"function.handler\"]\n",
                      {"bootstrap": (static_runtime, 0o755)})
    image_id = saved_then_removed(docker_client, tag, tmp_path / "image.tar")
    before = image_ids(docker_client)
    assert image_id not in before
    result = run(f"docker-archive:{tmp_path / 'image.tar'}", x86_64, options(ECHO))
    assert outcomes(result) == ["success"]
    assert image_ids(docker_client) == before
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(tag)


def test_a_docker_archive_puts_back_a_tag_it_moved(
        build_image: BuildImage, static_runtime: bytes, passing_image: str, x86_64: Runtime,
        tmp_path: Path, docker_client: docker.DockerClient) -> None:
    tag = build_image("moved-tag", f"FROM {PROVIDED_BASE}\nCOPY bootstrap /var/runtime/bootstrap\n"
                      "LABEL moved=1\nCMD [\"function.handler\"]\n",
                      {"bootstrap": (static_runtime, 0o755)})
    saved_then_removed(docker_client, tag, tmp_path / "image.tar")
    docker_client.images.get(passing_image).tag(tag)  # the tag now names another image
    holder = str(docker_client.images.get(tag).id)
    assert outcomes(run(f"docker-archive:{tmp_path / 'image.tar'}", x86_64,
                        options(ECHO))) == ["success"]
    assert str(docker_client.images.get(tag).id) == holder


def test_an_oci_archive_is_converted_loaded_and_removed_after(
        build_image: BuildImage, static_runtime: bytes, x86_64: Runtime, tmp_path: Path,
        docker_client: docker.DockerClient) -> None:
    tag = build_image("oci", f"FROM {PROVIDED_BASE}\nCOPY bootstrap /var/runtime/bootstrap\n"
                      "LABEL oci=1\nCMD [\"function.handler\"]\n",
                      {"bootstrap": (static_runtime, 0o755)})
    saved_then_removed(docker_client, tag, tmp_path / "image.tar")
    image_id = docker_save_to_oci(tmp_path / "image.tar", tmp_path / "oci.tar")
    before = image_ids(docker_client)
    assert image_id not in before
    result = run(f"oci-archive:{tmp_path / 'oci.tar'}", x86_64, options(ECHO))
    assert outcomes(result) == ["success"]
    assert image_ids(docker_client) == before


def test_an_image_absent_from_the_engine_is_not_pulled(x86_64: Runtime) -> None:
    absent = "docker-daemon:lambdacheck-test/absent:never"
    reason = ("image lambdacheck-test/absent:never is not in the engine; lambdacheck pulls "
              "function images only with --pull missing or --pull always")
    # no --pull: a function image is never pulled
    result = run(absent, x86_64, options(ECHO, allow_skip=True))
    assert result.skipped == reason
    with pytest.raises(ExecutionUnavailable) as raised:
        run(absent, x86_64, options(ECHO))
    assert raised.value.message == (f"cannot execute {absent} on {x86_64.name} (x86_64): "
                                    f"{reason}")
