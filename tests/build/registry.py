"""A real container registry on loopback for pull tests (scripts/start_registry.sh starts
Debian's docker-registry; scripts/test.sh exports LAMBDACHECK_REGISTRY=127.0.0.1:PORT).

`LoopbackRegistry` pushes images into it with the docker CLI and skopeo, each under a name of
this process (lambdacheck-test/<name>:<pid>-<n>), so concurrent sessions on one engine never
share one:
- `push_fresh()`: a stand-in plus layers of random bytes built now, pushed, then removed from
  the engine, so the next pull really downloads them (the stand-in's layer "Already exists");
- `push_local(image)`: an image the engine has, under a registry name (untagged locally after);
- `push_index(...)`: an image index (manifest list) for other platforms only, via skopeo
  (what the engine refuses as "no matching manifest for linux/amd64");
- `push_archive(...)`: a `docker load` archive (e.g. a single arm64 image), pushed as is.
`forget(reference)` removes a pulled image from the engine again; `close()` removes what was
pushed, locally and (manifests) from the registry.
`authenticated_registry()` starts a second one of its own for a test module: Debian's
docker-registry with `auth: htpasswd` (a bcrypt file made by apache2-utils' htpasswd -B), on a
free loopback port, its storage, config and log in a temp dir that is removed with it; it is
always stopped, also when starting it fails.
Only 127.0.0.1 addresses are accepted: tests never talk to anything but loopback.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.build.images import OciImage, oci_archive

REGISTRY_ENV = "LAMBDACHECK_REGISTRY"
MANIFEST_TYPES = ("application/vnd.docker.distribution.manifest.v2+json, "
                  "application/vnd.docker.distribution.manifest.list.v2+json, "
                  "application/vnd.oci.image.manifest.v1+json, "
                  "application/vnd.oci.image.index.v1+json")
# Straight to loopback: never through a proxy from the environment (http_proxy and the like).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def registry_address() -> str | None:
    """LAMBDACHECK_REGISTRY, when set (a ValueError when it is not a loopback host:port)."""
    address = os.environ.get(REGISTRY_ENV, "").strip()
    if not address:
        return None
    host, _, port = address.rpartition(":")
    if host != "127.0.0.1" or not port.isdigit():
        raise ValueError(f"{REGISTRY_ENV}={address!r}: expected 127.0.0.1:PORT (loopback only)")
    return address


def registry_problem(address: str | None) -> str | None:
    """Why the registry cannot be used, or None when /v2/ answers."""
    if address is None:
        return (f"no loopback registry ({REGISTRY_ENV} is not set: run scripts/start_registry.sh "
                f"and export {REGISTRY_ENV}=127.0.0.1:5000)")
    try:
        with _OPENER.open(f"http://{address}/v2/", timeout=5) as answer:
            answer.read()
    except (urllib.error.URLError, OSError) as error:
        return f"the registry {address} ({REGISTRY_ENV}) does not answer: {error}"
    return None


def _run(*command: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode(errors="replace")


def engine_has(reference: str) -> bool:
    """The engine has an image of that reference (asked with the docker CLI)."""
    return subprocess.run(["docker", "image", "inspect", reference], capture_output=True,
                          check=False, timeout=60).returncode == 0


@dataclass
class LoopbackRegistry:
    address: str
    work: Path
    pushed: list[str] = field(default_factory=list)
    _names: itertools.count[int] = field(default_factory=itertools.count)

    def reference(self, name: str) -> str:
        """A fresh reference of this process in the registry (nothing pushed yet)."""
        return f"{self.address}/lambdacheck-test/{name}:{os.getpid()}-{next(self._names)}"

    def push_fresh(self, base: str, name: str = "fresh",
                   layer_sizes: tuple[int, ...] = (3_000_000, 2_000_000)) -> str:
        """`base` plus one layer of random bytes per size, pushed and absent from the engine."""
        context = self.work / f"context-{os.getpid()}-{next(self._names)}"
        context.mkdir(parents=True)
        lines = [f"FROM {base}"]
        for index, size in enumerate(layer_sizes):
            (context / f"random-{index}.bin").write_bytes(os.urandom(size))
            lines.append(f"COPY random-{index}.bin /opt/random-{index}.bin")
        (context / "Dockerfile").write_text("\n".join(lines) + "\n")
        reference = self.reference(name)
        try:
            _run("docker", "build", "-q", "--network", "none", "-t", reference, str(context))
            self._push(reference)
        finally:
            self.forget(reference)
        return reference

    def push_local(self, image: str, name: str = "local") -> str:
        """An image the engine has, pushed under a registry name (the local tag removed)."""
        reference = self.reference(name)
        _run("docker", "tag", image, reference)
        try:
            self._push(reference)
        finally:
            self.forget(reference)
        return reference

    def push_archive(self, archive: Path, loaded_as: str, name: str = "archive") -> str:
        """A `docker load` archive whose image is tagged `loaded_as`, pushed and removed."""
        _run("docker", "load", "-q", "-i", str(archive))
        try:
            return self.push_local(loaded_as, name)
        finally:
            self.forget(loaded_as)

    def push_index(self, images: list[OciImage], name: str = "index") -> str:
        """An image index of `images` (each with its platform), copied in by skopeo."""
        reference = self.reference(name)
        archive = oci_archive(self.work / f"{reference.rsplit(':', 1)[1]}-index.tar", images,
                              nested=True)
        _run("skopeo", "copy", "--all", "--quiet", "--dest-tls-verify=false",
             f"oci-archive:{archive}", f"docker://{reference}")
        self.pushed.append(reference)
        archive.unlink()
        return reference

    def _push(self, reference: str) -> None:
        _run("docker", "push", reference)
        self.pushed.append(reference)

    def has_locally(self, reference: str) -> bool:
        return engine_has(reference)

    def forget(self, reference: str) -> None:
        """The engine no longer has `reference` (its layers go with it unless shared)."""
        subprocess.run(["docker", "rmi", "-f", reference], capture_output=True, check=False,
                       timeout=120)

    def close(self) -> None:
        for reference in self.pushed:
            self.forget(reference)
            with contextlib.suppress(urllib.error.URLError, OSError, ValueError):
                self._delete_manifest(reference)
        self.pushed.clear()

    def delete_from_registry(self, reference: str) -> None:
        """The registry no longer serves `reference` (the engine keeps what it pulled)."""
        self._delete_manifest(reference)

    def _delete_manifest(self, reference: str) -> None:
        repository, tag = reference.removeprefix(f"{self.address}/").rsplit(":", 1)
        url = f"http://{self.address}/v2/{repository}/manifests/"
        head = urllib.request.Request(url + tag, method="HEAD",
                                      headers={"Accept": MANIFEST_TYPES})
        with _OPENER.open(head, timeout=10) as answer:
            digest = answer.headers["Docker-Content-Digest"]
        if digest:
            delete = urllib.request.Request(url + digest, method="DELETE")
            _OPENER.open(delete, timeout=10).close()


AUTH_TOOLS = ("docker-registry", "htpasswd", "skopeo")
_LISTENING = re.compile(r'msg="listening on 127\.0\.0\.1:(\d+)"')


@dataclass(frozen=True)
class AuthenticatedRegistry:
    """A loopback registry that answers 401 without `user`'s basic-auth credentials."""

    address: str
    user: str
    password: str
    log: Path

    def push_oci(self, archive: Path, name: str) -> str:
        """An OCI archive's image pushed with the credentials (skopeo's --dest-creds: nothing
        is written to the engine's or the user's credential store)."""
        reference = f"{self.address}/lambdacheck-test/{name}:{os.getpid()}"
        _run("skopeo", "copy", "--quiet", "--dest-tls-verify=false",
             f"--dest-creds={self.user}:{self.password}", f"oci-archive:{archive}",
             f"docker://{reference}")
        return reference

    def manifest_status(self, reference: str, *, credentials: bool) -> int:
        """The HTTP status of a HEAD of `reference`'s manifest, with or without credentials."""
        repository, tag = reference.removeprefix(f"{self.address}/").rsplit(":", 1)
        headers = {"Accept": MANIFEST_TYPES}
        if credentials:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(
            f"http://{self.address}/v2/{repository}/manifests/{tag}", method="HEAD",
            headers=headers)
        try:
            with _OPENER.open(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def authenticated_registry_problem() -> str | None:
    """Why `authenticated_registry()` cannot start here (a tool missing), or None."""
    missing = [tool for tool in AUTH_TOOLS if shutil.which(tool) is None]
    if missing:
        return (f"{', '.join(missing)} not installed (Debian: docker-registry, apache2-utils, "
                "skopeo; scripts/test.sh installs them)")
    return None


@contextlib.contextmanager
def authenticated_registry(user: str = "lambdacheck",
                           password: str = "not-a-secret") -> Iterator[AuthenticatedRegistry]:
    """A registry requiring `user`/`password`, serving until the `with` block ends."""
    with tempfile.TemporaryDirectory(prefix="lambdacheck-auth-registry-") as work:
        root = Path(work)
        (root / "htpasswd").write_text(_run("htpasswd", "-B", "-b", "-n", user, password))
        (root / "config.yml").write_text(
            "version: 0.1\n"
            "log:\n  level: info\n"
            f"storage:\n  filesystem:\n    rootdirectory: {root / 'storage'}\n"
            "http:\n  addr: 127.0.0.1:0\n"  # the registry picks a free port and logs it
            f"auth:\n  htpasswd:\n    realm: lambdacheck-test\n    path: {root / 'htpasswd'}\n")
        log = root / "registry.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(["docker-registry", "serve", str(root / "config.yml")],
                                       stdin=subprocess.DEVNULL, stdout=sink,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        try:
            address = _wait_until_listening(process, log)
            yield AuthenticatedRegistry(address, user, password, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_listening(process: subprocess.Popen[bytes], log: Path,
                          timeout: float = 15.0) -> str:
    """127.0.0.1:PORT once the registry logged its port and /v2/ answers 401 there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found and _v2_status(f"127.0.0.1:{found[1]}") == 401:
            return f"127.0.0.1:{found[1]}"
        time.sleep(0.05)
    tail = " | ".join(log.read_text(errors="replace").splitlines()[-5:])
    raise RuntimeError(f"the authenticated registry did not start (exit {process.poll()}): "
                       f"{tail}")


def _v2_status(address: str) -> int | None:
    try:
        with _OPENER.open(f"http://{address}/v2/", timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):
        return None
