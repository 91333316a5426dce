"""checker.image.reader on real images built FROM the stand-ins with `docker build`, read three
ways:
`docker save` archives with no engine, OCI archives made from them, and the engine itself.

The engine is the oracle: `docker export` of a created (never started) container is the merged
filesystem as overlayfs lays it out, and `docker image inspect` is the config.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import tarfile
from collections.abc import Iterator

import docker
import pytest

from checker.errors import InputError
from checker.facts import FileFacts, MemberKind
from checker.image.reader import ImageFacts, read_image
from checker.image.ref import ImageRef
from checker.runner import connect
from tests.build.images import EngineImages, docker_to_oci, edit_config

pytestmark = pytest.mark.docker
BASE = "lambdacheck-standin/provided:bullseye"
BOOTSTRAP = b"#!/bin/sh\nexec /var/task/handler.sh\n"
APP = b"def handler(event, context):\n    return {'ok': True}\n"
DOCKERFILE = f"""FROM {BASE}
COPY old/ /opt/olddir/
COPY app/ /var/task/
COPY bootstrap /var/runtime/bootstrap
RUN chmod 0700 /var/runtime/bootstrap && rm /var/task/deleteme.txt \\
 && rm -rf /opt/olddir && mkdir -p /opt/olddir && echo new > /opt/olddir/new.txt \\
 && ln -s /var/task/app.py /var/task/link.py && chown 993:990 /var/task/app.py
ENV APP_MODE=test EXTRA="a=b"
WORKDIR /var/task
LABEL com.example.purpose=lambdacheck-test
ENTRYPOINT ["/var/runtime/bootstrap"]
CMD ["app.handler"]
"""
FILES = {"app/app.py": (APP, 0o644), "app/deleteme.txt": (b"bye\n", 0o644),
         "app/lib/helper.sh": (b"#!/bin/bash\necho hi\n", 0o755),
         "old/one.txt": (b"1\n", 0o644), "old/two.txt": (b"2\n", 0o644),
         "bootstrap": (BOOTSTRAP, 0o755)}
# What a created container adds to the image's filesystem (mount points, engine-written files).
CONTAINER_ONLY = {".dockerenv", "dev", "proc", "sys", "etc/hosts", "etc/hostname",
                  "etc/resolv.conf", "etc/mtab"}


class Built:
    def __init__(self, engine: EngineImages) -> None:
        self.engine = engine
        self.tag = engine.build(DOCKERFILE, FILES)
        self.archive = engine.save(self.tag)


@pytest.fixture(scope="module")
def built(docker_client: docker.DockerClient,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    del docker_client  # the gate: skips (or fails in CI) without an engine and the stand-ins
    engine = EngineImages(tmp_path_factory.mktemp("images"))
    try:
        yield Built(engine)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def from_archive(built: Built) -> ImageFacts:
    return read(f"docker-archive:{built.archive}")


def read(text: str) -> ImageFacts:
    ref = ImageRef.parse(text)
    assert ref is not None
    return read_image(ref, want_text=lambda path: path.startswith("var/task/"), connect=connect)


def container_only(path: str) -> bool:
    return path in CONTAINER_ONLY or path.split("/")[0] in CONTAINER_ONLY


def listing(facts: ImageFacts) -> dict[str, tuple[str, int, int, str | None]]:
    return {f.path: (f.kind.value, f.mode, f.size if f.kind is MemberKind.FILE else 0,
                     f.link_target) for f in facts.filesystem.files}


def comparable(facts: ImageFacts) -> tuple[object, ...]:
    """Everything that does not depend on how the image was stored."""
    files: tuple[FileFacts, ...] = facts.filesystem.files
    return (files, facts.config, facts.layers, facts.unpacked_size, facts.all_layers_size,
            dict(facts.owners), facts.filesystem.texts, facts.filesystem.anomalies)


def test_the_layers_merge_as_the_engine_merges_them(built: Built,
                                                    from_archive: ImageFacts) -> None:
    expected: dict[str, tuple[str, int, int, str | None]] = {}
    owners: dict[str, tuple[int, int]] = {}
    with tarfile.open(built.engine.export(built.tag)) as exported:
        for member in exported:
            path = member.name.removeprefix("./").rstrip("/")
            if not path or container_only(path):
                continue
            kind = "dir" if member.isdir() else "symlink" if member.issym() else "file"
            size = member.size
            if member.islnk():  # a hard link: the size of the file it links to
                size = expected[member.linkname.removeprefix("./")][2]
            expected[path] = (kind, stat.S_IMODE(member.mode), size if kind == "file" else 0,
                              member.linkname if member.issym() else None)
            owners[path] = (member.uid, member.gid)
    found = {path: facts for path, facts in listing(from_archive).items()
             if not container_only(path)}
    assert len(found) > 5000
    assert found == expected
    assert {path: from_archive.owners[path] for path in found} == owners


def test_whiteouts_opaque_directories_modes_and_links(from_archive: ImageFacts) -> None:
    files = from_archive.filesystem.by_path()
    assert "var/task/deleteme.txt" not in files  # removed by a later RUN: a whiteout
    assert sorted(p for p in files if p.startswith("opt/olddir/")) == ["opt/olddir/new.txt"]
    bootstrap = files["var/runtime/bootstrap"]
    assert (bootstrap.mode, bootstrap.size, bootstrap.shebang) == (0o700, len(BOOTSTRAP),
                                                                   "/bin/sh")
    assert files["var/task/lib/helper.sh"].mode == 0o755
    assert files["var/task/link.py"].link_target == "/var/task/app.py"
    assert from_archive.owners["var/task/app.py"] == (993, 990)
    assert from_archive.filesystem.texts["var/task/app.py"] == APP
    libc_link = files["usr/lib/x86_64-linux-gnu/libc.so.6"]  # bullseye: a link to libc-2.31.so
    libc = files["usr/lib/x86_64-linux-gnu/" + (libc_link.link_target or "")]
    assert libc.elf is not None and libc.elf.arch == "x86_64" and "GLIBC_2.30" in \
        libc.elf.version_defs


def test_the_config_is_what_the_engine_says(built: Built, from_archive: ImageFacts) -> None:
    inspected = json.loads(subprocess.run(["docker", "image", "inspect", built.tag], check=True,
                                          capture_output=True, text=True).stdout)[0]
    config = from_archive.config
    assert config.env == tuple(tuple(item.split("=", 1)) for item in inspected["Config"]["Env"])
    assert ("APP_MODE", "test") in config.env and ("EXTRA", "a=b") in config.env
    assert config.entrypoint == ("/var/runtime/bootstrap",)
    assert config.cmd == ("app.handler",)
    assert (config.workdir, config.user) == ("/var/task", "")
    assert dict(config.labels) == inspected["Config"]["Labels"]
    assert config.architecture == "x86_64" == {"amd64": "x86_64"}[inspected["Architecture"]]
    assert from_archive.layers == len(inspected["RootFS"]["Layers"])
    assert from_archive.image_id == inspected["Id"]


def test_an_oci_archive_and_the_engine_give_the_same_facts(built: Built,
                                                           from_archive: ImageFacts) -> None:
    oci = docker_to_oci(built.archive, built.engine.root / "oci.tar")
    from_oci = read(f"oci-archive:{oci}")
    from_engine = read(f"docker-daemon:{built.tag}")
    assert comparable(from_oci) == comparable(from_archive) == comparable(from_engine)
    assert from_oci.compressed_size < from_archive.compressed_size  # gzip layers
    assert from_engine.compressed_size == from_archive.compressed_size


def test_skopeo_oci_archives_give_the_same_facts(built: Built, from_archive: ImageFacts) -> None:
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        pytest.skip("skopeo is not installed (apt-get install skopeo)")
    for compression in ("gzip", "zstd"):
        if compression == "zstd":
            pytest.importorskip("zstandard")
        target = built.engine.root / f"skopeo-{compression}.tar"
        subprocess.run([skopeo, "copy", "--insecure-policy", "--dest-compress-format",
                        compression, f"docker-archive:{built.archive}", f"oci-archive:{target}"],
                       check=True, capture_output=True, timeout=300)
        from_skopeo = read(f"oci-archive:{target}")
        assert comparable(from_skopeo) == comparable(from_archive)


def test_an_arm64_config(built: Built, from_archive: ImageFacts) -> None:
    arm = edit_config(built.archive, built.engine.root / "arm64.tar", architecture="arm64",
                      variant="v8")
    facts = read(f"docker-archive:{arm}")
    assert (facts.config.architecture, facts.config.variant) == ("arm64", "v8")
    assert facts.filesystem.files == from_archive.filesystem.files


def test_an_image_the_engine_does_not_have() -> None:
    with pytest.raises(InputError, match="is not in the local engine") as error:
        read("docker-daemon:lambdacheck-test/no-such-image:never")
    assert error.value.hint is not None and "docker-archive:PATH" in error.value.hint


def test_the_stand_in_reads_the_same_from_the_engine_and_its_archive(
        built: Built) -> None:
    archive = built.engine.save(BASE)
    assert comparable(read(f"docker-archive:{archive}")) == comparable(
        read(f"docker-daemon:{BASE}"))
