"""checker.image.reader on real archives built in Python: docker-archives, OCI layouts, damaged
ones."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tarfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker.artifact.reader import ScanLimits
from checker.elf import read_elf
from checker.errors import InputError
from checker.facts import AnomalyKind, ArtifactRole, FileFacts, FileFormat, MemberKind
from checker.image.layer import Budget, Wants, read_layer
from checker.image.reader import ImageFacts, every_path, read_image
from checker.image.ref import ImageRef
from checker.image.stream import CHUNK, Digesting, ForwardReader, decompressing
from checker.image.tar import TarFormatError, entries
from tests.build.compile import BuildCache
from tests.build.images import (
    Dir,
    File,
    Hardlink,
    OciImage,
    Opaque,
    Special,
    Symlink,
    Whiteout,
    big_layer,
    compress,
    config_json,
    docker_archive,
    docker_archive_of_files,
    layer_tar,
    oci_archive,
    sha256,
)

BASE = layer_tar([
    Dir("etc"), File("etc/os-release", b'PRETTY_NAME="Test OS"\n'),
    Dir("var"), Dir("var/task"), File("var/task/app.py", b"def handler(e, c):\n    return 1\n"),
    File("var/task/old.py", b"x = 1\n"), Dir("var/task/pkg"), File("var/task/pkg/a.py", b"a"),
    Dir("opt"), Dir("opt/tool"), File("opt/tool/keep", b"k"), File("opt/tool/gone", b"g"),
    Dir("srv"), Dir("srv/data"), File("srv/data/x", b"xx"),
])
UPPER = layer_tar([
    Whiteout("var/task/old.py"), Whiteout("var/task/pkg"), Opaque("opt/tool"),
    File("opt/tool/new", b"new"), Dir("var/runtime"),
    File("var/runtime/bootstrap", b"#!/bin/sh\nexec python3 app.py\n", mode=0o700, uid=993,
         gid=990),
    Symlink("var/task/link.py", "/var/task/app.py"), File("srv/data", b"now a file"),
    File("etc/os-release", b'PRETTY_NAME="Test OS 2"\n'),
])


def read(path: Path, transport: str = "docker-archive", suffix: str = "",
         **options: object) -> ImageFacts:
    ref = ImageRef.parse(f"{transport}:{path}{suffix}")
    assert ref is not None
    return read_image(ref, **options)  # type: ignore[arg-type]


def files(facts: ImageFacts) -> dict[str, FileFacts]:
    return facts.filesystem.by_path()


def anomaly_kinds(facts: ImageFacts) -> list[tuple[AnomalyKind, str]]:
    return [(anomaly.kind, anomaly.path) for anomaly in facts.filesystem.anomalies]


def summary(facts: ImageFacts) -> list[tuple[str, str, int, int, str | None]]:
    return [(f.path, f.kind.value, f.mode, f.size, f.link_target)
            for f in facts.filesystem.files]


# --- layers, whiteouts, modes -------------------------------------------------------------


def test_two_layers_merge_with_whiteouts_opaque_dirs_and_replacements(tmp_path: Path) -> None:
    facts = read(docker_archive(tmp_path / "image.tar", [BASE, UPPER]))
    found = files(facts)
    assert "var/task/old.py" not in found  # whiteout of a file
    assert "var/task/pkg" not in found and "var/task/pkg/a.py" not in found  # of a directory
    assert sorted(p for p in found if p.startswith("opt/tool/")) == ["opt/tool/new"]  # opaque
    assert found["srv/data"].kind is MemberKind.FILE and "srv/data/x" not in found
    assert found["var/task/app.py"].size == len(b"def handler(e, c):\n    return 1\n")
    bootstrap = found["var/runtime/bootstrap"]
    assert (bootstrap.kind, bootstrap.mode, bootstrap.format) == (MemberKind.FILE, 0o700,
                                                                  FileFormat.SCRIPT)
    assert bootstrap.shebang == "/bin/sh"
    assert facts.owners["var/runtime/bootstrap"] == (993, 990)
    assert facts.owners["var/task/app.py"] == (0, 0)
    link = found["var/task/link.py"]
    assert (link.kind, link.link_target) == (MemberKind.SYMLINK, "/var/task/app.py")
    assert found["var/task"].kind is MemberKind.DIR and found["var/task"].mode == 0o755
    assert facts.layers == 2 and facts.filesystem.role is ArtifactRole.IMAGE
    assert facts.filesystem.anomalies == ()


def test_sizes_count_merged_files_and_all_layers(tmp_path: Path) -> None:
    facts = read(docker_archive(tmp_path / "image.tar", [BASE, UPPER]))
    live = sum(f.size for f in facts.filesystem.files if f.kind is MemberKind.FILE)
    assert facts.unpacked_size == live == facts.filesystem.unpacked_size
    base_bytes = sum(len(d) for d in (b'PRETTY_NAME="Test OS"\n',
                                      b"def handler(e, c):\n    return 1\n", b"x = 1\n", b"a",
                                      b"k", b"g", b"xx"))
    upper_bytes = sum(len(d) for d in (b"new", b"#!/bin/sh\nexec python3 app.py\n",
                                       b"now a file", b'PRETTY_NAME="Test OS 2"\n'))
    assert facts.all_layers_size == base_bytes + upper_bytes
    assert facts.compressed_size == len(BASE) + len(UPPER)


def test_a_whiteout_does_not_hide_entries_of_its_own_layer(tmp_path: Path) -> None:
    lower = layer_tar([File("a", b"lower"), Dir("d"), File("d/old", b"o")])
    upper = layer_tar([File("a", b"upper"), Whiteout("a"), Opaque("d"), File("d/new", b"n")])
    found = files(read(docker_archive(tmp_path / "image.tar", [lower, upper])))
    assert found["a"].size == len(b"upper")
    assert sorted(p for p in found if p.startswith("d/")) == ["d/new"]


def test_a_directory_over_a_directory_merges_and_takes_the_new_mode(tmp_path: Path) -> None:
    lower = layer_tar([Dir("d", mode=0o700), File("d/one")])
    upper = layer_tar([Dir("d", mode=0o755), File("d/two")])
    found = files(read(docker_archive(tmp_path / "image.tar", [lower, upper])))
    assert found["d"].mode == 0o755 and {"d/one", "d/two"} <= set(found)


def test_hard_links_share_facts_and_data(tmp_path: Path) -> None:
    layer = layer_tar([Dir("bin"), File("bin/tool", b"#!/bin/sh\necho\n", mode=0o755),
                       Hardlink("bin/alias", "bin/tool")])
    facts = read(docker_archive(tmp_path / "image.tar", [layer]))
    alias = files(facts)["bin/alias"]
    assert (alias.kind, alias.mode, alias.size, alias.shebang) == (MemberKind.FILE, 0o755, 15,
                                                                   "/bin/sh")
    assert facts.unpacked_size == 15  # the data once
    assert facts.all_layers_size == 15


def test_a_hard_link_to_a_missing_file_is_an_anomaly(tmp_path: Path) -> None:
    layer = layer_tar([Hardlink("bin/alias", "bin/nothing")])
    facts = read(docker_archive(tmp_path / "image.tar", [layer]))
    assert anomaly_kinds(facts) == [(AnomalyKind.CORRUPT, "bin/alias")]
    assert "layer 1" in facts.filesystem.anomalies[0].message


def test_unsafe_names_are_skipped_as_anomalies(tmp_path: Path) -> None:
    layer = layer_tar([File("../escape", b"x"), File("/abs/path", b"y"),
                       File("var/../../up", b"z"), Hardlink("ok", "../../etc/passwd"),
                       File("./fine", b"f")])
    facts = read(docker_archive(tmp_path / "image.tar", [layer]))
    assert anomaly_kinds(facts) == [(AnomalyKind.UNSAFE_PATH, "../escape"),
                                    (AnomalyKind.UNSAFE_PATH, "/abs/path"),
                                    (AnomalyKind.UNSAFE_PATH, "var/../../up"),
                                    (AnomalyKind.UNSAFE_PATH, "ok")]
    assert list(files(facts)) == ["fine"]


def test_device_nodes_and_fifos_are_listed_apart(tmp_path: Path) -> None:
    layer = layer_tar([Dir("dev"), Special("dev/null", tarfile.CHRTYPE),
                       Special("run/pipe", tarfile.FIFOTYPE), File("a")])
    facts = read(docker_archive(tmp_path / "image.tar", [layer]))
    assert facts.special_files == (("dev/null", "character device"), ("run/pipe", "FIFO"))
    assert sorted(files(facts)) == ["a", "dev"]


def test_a_damaged_tar_header_inside_a_layer_is_an_anomaly(tmp_path: Path) -> None:
    layer = bytearray(layer_tar([File("first", b"1" * 100), File("second", b"2")]))
    index = layer.index(b"second")
    assert index == 1024  # the header of "first", its data, then the header of "second"
    layer[index:index + 6] = b"SECOND"  # the checksum no longer matches the header
    facts = read(docker_archive(tmp_path / "image.tar", [bytes(layer)]))
    assert [kind for kind, _ in anomaly_kinds(facts)] == [AnomalyKind.CORRUPT]
    assert "first" in files(facts)


# --- content -------------------------------------------------------------------------------


def test_elf_facts_only_where_wanted(tmp_path: Path, build_cache: BuildCache) -> None:
    binary = build_cache.c("hello.c", name="hello")
    data = binary.read_bytes()
    layer = layer_tar([File("var/task/hello", data, mode=0o755), File("usr/bin/hello", data)])
    facts = read(docker_archive(tmp_path / "image.tar", [layer]),
                 want_elf=lambda path: path.startswith("var/task/"))
    wanted, other = files(facts)["var/task/hello"], files(facts)["usr/bin/hello"]
    with binary.open("rb") as handle:
        assert wanted.elf == read_elf(handle)
    assert wanted.format is FileFormat.ELF and wanted.elf is not None
    assert (other.format, other.elf, other.elf_error) == (FileFormat.ELF, None, None)


@pytest.mark.parametrize("compression", [None, "gzip"])  # read with seeks / through a spool
def test_elf_facts_of_a_large_file(tmp_path: Path, build_cache: BuildCache,
                                   compression: str | None) -> None:
    source = tmp_path / "big.c"
    source.write_text("static const char blob[12 << 20] = {1};\n"
                      "int main(void) { return blob[7]; }\n")
    binary = build_cache.c(source, name="big", subdir=str(compression))
    assert binary.stat().st_size > 12 << 20  # past the spool's memory part
    layer = layer_tar([File("var/task/big", binary.read_bytes(), mode=0o755)])
    facts = read(docker_archive(tmp_path / "image.tar", [layer], compression=compression))
    with binary.open("rb") as handle:
        assert files(facts)["var/task/big"].elf == read_elf(handle)


@pytest.mark.slow
def test_memory_stays_bounded_whatever_the_layer_size(tmp_path: Path) -> None:
    size = 300 * 2**20  # holding it would be twice the 150 MB bound
    archive = docker_archive_of_files(tmp_path / "big.tar", [
        big_layer(tmp_path / "big-layer.tar", "var/task/blob.bin", size)])
    packed = tmp_path / "big.tar.gz"  # the stream path: `docker save | gzip`
    with packed.open("wb") as out:
        subprocess.run(["gzip", "-1", "-c", str(archive)], stdout=out, check=True)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking pytest process.
    code = ("import re, sys\nfrom pathlib import Path\n"
            "from checker.image.reader import read_image\n"
            "from checker.image.ref import ImageRef\n"
            "facts = read_image(ImageRef.parse(sys.argv[1]))\n"
            "status = Path('/proc/self/status').read_text()\n"
            "print(facts.unpacked_size, re.search(r'VmHWM:\\s+(\\d+)', status).group(1))")
    for source in (archive, packed):
        result = subprocess.run([sys.executable, "-c", code, f"docker-archive:{source}"],
                                capture_output=True, text=True, check=True,
                                cwd=Path(__file__).resolve().parents[3])
        unpacked, peak_kib = map(int, result.stdout.split())
        assert unpacked == size
        assert peak_kib < 150 * 1024, f"{source.name}: peak RSS {peak_kib // 1024} MiB"


def test_texts_follow_the_top_layer(tmp_path: Path) -> None:
    facts = read(docker_archive(tmp_path / "image.tar", [BASE, UPPER]),
                 want_text=lambda path: path.startswith(("etc/", "var/task/")))
    assert facts.filesystem.texts["etc/os-release"] == b'PRETTY_NAME="Test OS 2"\n'
    assert "var/task/old.py" not in facts.filesystem.texts
    assert facts.filesystem.texts["var/task/app.py"].startswith(b"def handler")


# --- config --------------------------------------------------------------------------------


def test_config_fields(tmp_path: Path) -> None:
    config = config_json([BASE], Env=["A=1", "B=x=y", "PATH=/bin"], Entrypoint=["/entry.sh"],
                         Cmd=[], WorkingDir="/var/task", User="993:990",
                         Labels={"team": "lambda"})
    facts = read(docker_archive(tmp_path / "image.tar", [BASE], config))
    assert facts.config.architecture == "x86_64" and facts.config.os == "linux"
    assert facts.config.env == (("A", "1"), ("B", "x=y"), ("PATH", "/bin"))
    assert facts.config.entrypoint == ("/entry.sh",)
    assert facts.config.cmd == ()  # set to an empty list: not the same as unset
    assert (facts.config.workdir, facts.config.user) == ("/var/task", "993:990")
    assert dict(facts.config.labels) == {"team": "lambda"}
    assert facts.image_id == sha256(json.dumps(config).encode())


def test_unset_entrypoint_and_cmd_are_none(tmp_path: Path) -> None:
    facts = read(docker_archive(tmp_path / "image.tar", [BASE]))
    assert (facts.config.entrypoint, facts.config.cmd, facts.config.variant) == (None, None, None)


def test_arm64_config(tmp_path: Path) -> None:
    config = config_json([BASE], architecture="arm64", variant="v8")
    facts = read(docker_archive(tmp_path / "image.tar", [BASE], config))
    assert (facts.config.architecture, facts.config.variant) == ("arm64", "v8")


def test_other_architectures_keep_their_own_name(tmp_path: Path) -> None:
    config = config_json([BASE], architecture="ppc64le")
    assert read(docker_archive(tmp_path / "i.tar", [BASE], config)).config.architecture == \
        "ppc64le"


def test_a_config_with_a_wrong_type_is_an_input_error(tmp_path: Path) -> None:
    config = config_json([BASE], Entrypoint="/entry.sh")
    with pytest.raises(InputError, match="Entrypoint is not a list"):
        read(docker_archive(tmp_path / "image.tar", [BASE], config))


# --- archive forms -------------------------------------------------------------------------


def test_manifest_before_or_after_the_layers_and_compressed_outer_archives(
        tmp_path: Path) -> None:
    plain = read(docker_archive(tmp_path / "last.tar", [BASE, UPPER]))
    first = read(docker_archive(tmp_path / "first.tar", [BASE, UPPER], manifest_first=True))
    packed = tmp_path / "image.tar.gz"  # `docker save | gzip`: read as one stream
    packed.write_bytes(gzip.compress((tmp_path / "last.tar").read_bytes()))
    streamed = read(packed)
    assert summary(plain) == summary(first) == summary(streamed)
    assert plain.owners == streamed.owners and plain.config == streamed.config


def test_gzip_layers_inside_a_docker_archive(tmp_path: Path) -> None:
    plain = read(docker_archive(tmp_path / "plain.tar", [BASE, UPPER]))
    zipped = read(docker_archive(tmp_path / "gz.tar", [BASE, UPPER], compression="gzip"))
    assert summary(plain) == summary(zipped)
    assert zipped.compressed_size == len(compress(BASE, "gzip")) + len(compress(UPPER, "gzip"))


def test_a_layer_of_several_gzip_members(tmp_path: Path) -> None:
    # Members that decompress to more than one read (1 MiB) and compress well: before the fix
    # the reader stopped at the first member's end and every later read returned nothing.
    code = b"def handler(event, context):\n    return event\n" * 80_000  # 3.8 MB
    layer = layer_tar([Dir("var"), Dir("var/task"), File("var/task/big.py", code),
                       File("var/task/after.py", b"x = 1\n")])
    blob = compress(layer, "gzip-members")
    assert gzip.decompress(blob) == layer  # the stdlib reads every member too
    assert len(blob) < len(layer) // 20
    plain = read(docker_archive(tmp_path / "plain.tar", [BASE, layer]))
    members = read(docker_archive(tmp_path / "members.tar", [BASE, layer],
                                  compression="gzip-members"))
    oci = read(oci_archive(tmp_path / "oci.tar", [OciImage([BASE, layer], None, "gzip-members")]),
               "oci-archive")
    assert summary(members) == summary(plain) == summary(oci)
    assert files(members)["var/task/big.py"].size == len(code)
    assert "var/task/after.py" in files(oci)
    assert members.compressed_size == len(compress(BASE, "gzip-members")) + len(blob)
    assert not anomaly_kinds(members) and not anomaly_kinds(oci)


def test_a_repeated_layer_stored_once_behind_a_symlink(tmp_path: Path) -> None:
    again = layer_tar([File("again", b"1")])
    archive = docker_archive(tmp_path / "image.tar", [again, BASE, again])
    with tarfile.open(archive) as outer:
        assert sum(member.issym() for member in outer) == 1
    facts = read(archive)
    assert facts.layers == 3 and "again" in files(facts)


def test_layers_read_in_parallel_or_not_give_the_same_facts(tmp_path: Path) -> None:
    archive = docker_archive(tmp_path / "image.tar", [BASE, UPPER, BASE])
    one = read(archive, workers=1, want_text=every_path)
    two = read(archive, workers=2, want_text=every_path)  # one process per layer, at most 2
    in_process = read(archive, workers=2, want_text=lambda _path: True)  # cannot be pickled
    assert summary(one) == summary(two) == summary(in_process)
    assert one.filesystem.texts == two.filesystem.texts == in_process.filesystem.texts
    assert one.owners == two.owners and one.filesystem.anomalies == two.filesystem.anomalies


def test_several_images_in_one_archive_need_a_selector(tmp_path: Path) -> None:
    archive = docker_archive(tmp_path / "image.tar", [BASE], images=2)
    with pytest.raises(InputError, match="holds 2 images") as error:
        read(archive)
    assert error.value.hint is not None and "@N" in error.value.hint
    assert read(archive, suffix=":test/image:latest-2").layers == 1
    assert read(archive, suffix=":@1").layers == 1
    with pytest.raises(InputError, match="no image tagged other"):
        read(archive, suffix=":other")


def test_oci_archive_with_gzip_and_plain_layers(tmp_path: Path) -> None:
    docker = read(docker_archive(tmp_path / "image.tar", [BASE, UPPER]))
    for compression in ("gzip", None):
        oci = read(oci_archive(tmp_path / f"oci-{compression}.tar",
                               [OciImage([BASE, UPPER], compression=compression)]), "oci-archive")
        assert summary(oci) == summary(docker)
        assert oci.compressed_size == sum(len(compress(layer, compression))
                                          for layer in (BASE, UPPER))


def test_oci_archive_with_zstd_layers(tmp_path: Path) -> None:
    pytest.importorskip("zstandard")
    docker = read(docker_archive(tmp_path / "image.tar", [BASE, UPPER]))
    oci = read(oci_archive(tmp_path / "oci.tar", [OciImage([BASE, UPPER], compression="zstd")]),
               "oci-archive")
    assert summary(oci) == summary(docker)


def test_zstd_layers_without_a_zstd_library_are_an_input_error(tmp_path: Path) -> None:
    # No real environment lacks zstandard here, so the child hides it from the import system.
    pytest.importorskip("zstandard")
    archive = oci_archive(tmp_path / "oci.tar", [OciImage([BASE], compression="zstd")])
    code = ("import sys; sys.modules['zstandard'] = None; sys.modules['compression.zstd'] = None\n"
            "from checker.image.reader import read_image\nfrom checker.image.ref import ImageRef\n"
            "from checker.errors import InputError\n"
            f"try:\n    read_image(ImageRef.parse('oci-archive:{archive}'))\n"
            "except InputError as e:\n    print(e.message)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[3])
    assert "zstd-compressed" in result.stdout and "zstandard" in result.stdout


def multi_platform(tmp_path: Path) -> Path:
    attestation = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "digest": "sha256:" + "0" * 64, "size": 1,
                   "platform": {"os": "unknown", "architecture": "unknown"}}
    amd = OciImage([BASE], platform={"os": "linux", "architecture": "amd64"}, ref_name="app")
    arm = OciImage([UPPER], config_json([UPPER], architecture="arm64", variant="v8"),
                   platform={"os": "linux", "architecture": "arm64", "variant": "v8"},
                   ref_name="app")
    return oci_archive(tmp_path / "multi.tar", [amd, arm], nested=True,
                       extra_manifests=[attestation])


def test_a_multi_platform_index_is_read_for_the_architecture_asked(tmp_path: Path) -> None:
    archive = multi_platform(tmp_path)
    arm = read(archive, "oci-archive", arch="arm64")
    assert arm.config.architecture == "arm64" and "var/runtime/bootstrap" in files(arm)
    amd = read(archive, "oci-archive", suffix=":app", arch="x86_64")
    assert amd.config.architecture == "x86_64" and "var/task/old.py" in files(amd)
    with pytest.raises(InputError, match="holds 2 images"):
        read(archive, "oci-archive")
    with pytest.raises(InputError, match="no image named other"):
        read(archive, "oci-archive", suffix=":other")


# --- what cannot be read -------------------------------------------------------------------


def error_of(call: Callable[[], object]) -> InputError:
    with pytest.raises(InputError) as caught:
        call()
    assert "\n" not in caught.value.message
    return caught.value


def test_missing_and_wrong_inputs(tmp_path: Path) -> None:
    assert "does not exist" in error_of(lambda: read(tmp_path / "nope.tar")).message
    empty = tmp_path / "empty.tar"
    empty.write_bytes(b"")
    assert "not a tar archive" in error_of(lambda: read(empty)).message
    text = tmp_path / "text.tar"
    text.write_bytes(b"hello world " * 100)
    assert "not a tar archive" in error_of(lambda: read(text)).message
    assert "is a directory" in error_of(lambda: read(tmp_path)).message


def test_the_wrong_transport_says_which_to_use(tmp_path: Path) -> None:
    docker = docker_archive(tmp_path / "docker.tar", [BASE])
    oci = oci_archive(tmp_path / "oci.tar", [OciImage([BASE])])
    assert "docker-archive" in (error_of(lambda: read(docker, "oci-archive")).hint or "")
    assert "oci-archive" in (error_of(lambda: read(oci)).hint or "")


def test_a_layer_that_does_not_match_its_diff_id(tmp_path: Path) -> None:
    config = config_json([BASE, UPPER])
    archive = docker_archive(tmp_path / "image.tar", [BASE, BASE], config)
    error = error_of(lambda: read(archive))
    assert "layer 2" in error.message and "diff_id" in error.message


def test_an_oci_layer_that_does_not_match_its_descriptor(tmp_path: Path) -> None:
    archive = oci_archive(tmp_path / "oci.tar", [OciImage([BASE, UPPER])])
    blob = "blobs/sha256/" + sha256(compress(UPPER, "gzip")).removeprefix("sha256:")
    damaged = rewrite_member(archive, blob, lambda data: data[:-8] + bytes(8))  # CRC, length
    assert blob in error_of(lambda: read(damaged, "oci-archive")).message
    other = compress(layer_tar([File("x", b"y" * 10)]), "gzip")  # valid gzip, other content
    swapped = rewrite_member(archive, blob, lambda _data: other)
    assert "layer 2" in error_of(lambda: read(swapped, "oci-archive")).message


def test_a_truncated_gzip_layer(tmp_path: Path) -> None:
    archive = docker_archive(tmp_path / "image.tar", [BASE, UPPER], compression="gzip")
    name = next(m.name for m in members(archive) if m.name.endswith("layer.tar")
                and m.size == len(compress(UPPER, "gzip")))
    damaged = rewrite_member(archive, name, lambda data: data[: len(data) // 2])
    assert "gzip" in error_of(lambda: read(damaged)).message


def test_a_truncated_archive(tmp_path: Path) -> None:
    archive = docker_archive(tmp_path / "image.tar", [BASE, UPPER], manifest_first=True)
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: len(BASE) + 4096])
    error_of(lambda: read(cut))
    packed = tmp_path / "cut.tar.gz"
    packed.write_bytes(gzip.compress(archive.read_bytes())[:-100])
    error_of(lambda: read(packed))


def test_a_missing_layer_blob_and_bad_metadata(tmp_path: Path) -> None:
    archive = docker_archive(tmp_path / "image.tar", [BASE])
    layer = next(m.name for m in members(archive) if m.name.endswith("layer.tar"))
    missing = rewrite_member(archive, layer, None)
    assert "does not hold" in error_of(lambda: read(missing)).message
    broken = rewrite_member(archive, "manifest.json", lambda _data: b"[{")
    assert "not valid JSON" in error_of(lambda: read(broken)).message


def test_limits_stop_reading_with_a_bomb_anomaly(tmp_path: Path) -> None:
    archive = docker_archive(tmp_path / "image.tar", [BASE, UPPER])
    small = ScanLimits(max_unpacked_bytes=len(BASE) + 10, max_members=200_000)
    facts = read(archive, limits=small, workers=1)
    assert [kind for kind, _ in anomaly_kinds(facts)] == [AnomalyKind.BOMB]
    assert "var/task/old.py" in files(facts)  # layer 1 merged, layer 2 not in full
    few = ScanLimits(max_members=5)
    assert AnomalyKind.BOMB in [kind for kind, _ in anomaly_kinds(read(archive, limits=few))]


def members(archive: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(archive) as outer:
        return outer.getmembers()


def rewrite_member(archive: Path, name: str, change: Callable[[bytes], bytes] | None) -> Path:
    """A copy of `archive` with member `name` changed (or left out when `change` is None)."""
    target = archive.with_name("edited-" + archive.name)
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for member in source:
            handle = source.extractfile(member) if member.isfile() else None
            data = handle.read() if handle else b""
            if member.name == name:
                if change is None:
                    continue
                data = change(data)
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return target


# --- the tar header walk, against tarfile ----------------------------------------------------

name_part = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/\x00"),
                    min_size=1, max_size=40).filter(lambda part: part not in {".", ".."})
tar_entry = st.tuples(
    st.lists(name_part, min_size=1, max_size=5).map("/".join),
    st.sampled_from([tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE,
                     tarfile.FIFOTYPE, tarfile.CHRTYPE]),
    st.integers(min_value=0, max_value=0o7777),
    st.integers(min_value=0, max_value=2**24),  # past 8**7 - 1: base-256 (GNU) or pax (PAX)
    st.binary(max_size=1500),
    st.lists(name_part, min_size=1, max_size=4).map("/".join),
)


@given(st.lists(tar_entry, max_size=12), st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]))
@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_the_entry_walk_reads_what_tarfile_reads(
        items: list[tuple[str, bytes, int, int, bytes, str]], fmt: int) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for name, kind, mode, owner, data, link in items:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.uid, info.gid = kind, mode, owner, owner // 2
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = link
            if kind == tarfile.REGTYPE:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    raw = buffer.getvalue()
    with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
        expected = [(m.name, m.type, m.mode, m.uid, m.gid, m.size if m.isreg() else 0,
                     m.linkname) for m in archive]
    chunks = iter([raw[i:i + 700] for i in range(0, len(raw), 700)])  # headers across chunks
    reader = ForwardReader(lambda: next(chunks, b""))
    found = [(e.name, e.type, e.mode, e.uid, e.gid, e.size if e.type == b"0" else 0, e.linkname)
             for e in entries(reader)]
    assert found == expected


def test_the_entry_walk_rejects_a_bad_checksum() -> None:
    raw = bytearray(layer_tar([File("a", b"x")], fmt=tarfile.USTAR_FORMAT))
    raw[0:1] = b"b"
    chunks = iter([bytes(raw)])
    with pytest.raises(TarFormatError, match="checksum"):
        list(entries(ForwardReader(lambda: next(chunks, b""))))


def test_no_engine_for_a_docker_daemon_image_is_an_input_error(tmp_path: Path) -> None:
    code = ("from checker.image.reader import read_image\nfrom checker.image.ref import ImageRef\n"
            "from checker.errors import InputError\n"
            "from checker.runner import connect\n"
            "try:\n"
            "    read_image(ImageRef.parse('docker-daemon:some/image:tag'), connect=connect)\n"
            "except InputError as e:\n    print(e.message)\n")
    environment = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=environment, cwd=Path(__file__).resolve().parents[3])
    assert result.stdout.startswith("docker-daemon:some/image:tag: no Docker engine reachable")
    assert "no-engine.sock" in result.stdout


# --- the gzip reader: every member, every loop bounded ---------------------------------------


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM interrupts a loop that never ends (main thread only)."""
    def expired(_signum: int, _frame: object) -> None:
        raise AssertionError(f"did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# A member is a pattern repeated: up to 2.5 MB that compresses well, so one member can
# decompress to more than one read (the case where the reader once stopped returning bytes).
member_size = st.one_of(st.sampled_from([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7]),
                        st.integers(0, 3 * CHUNK))
gzip_member = st.tuples(st.binary(min_size=1, max_size=64), member_size,
                        st.sampled_from([1, 6, 9]))
damage = st.sampled_from(["none", "zeros", "garbage", "cut", "flip"])

# The most output one input byte can add: at most 8 codes end in its 8 bits, each a match of
# at most 258 bytes.
_MOST_PER_BYTE = 8 * 258


def zlib_decodes(blob: bytes) -> bytes:
    """What zlib itself makes of `blob` up to its first error, member after member (zero
    bytes after the last one end it), fed one byte at a time so that the error discards
    only what the byte it is found in would have added. An oracle that does not share the
    reader's chunking, output limits or member bookkeeping."""
    out: list[bytes] = []
    at = 0
    while blob[at:].strip(b"\0"):
        inflate = zlib.decompressobj(wbits=31)
        try:
            while not inflate.eof and at < len(blob):
                out.append(inflate.decompress(blob[at:at + 1]))
                at += 1
        except zlib.error:
            break
        if not inflate.eof:
            break
        at -= len(inflate.unused_data)
    return b"".join(out)


@given(st.lists(gzip_member, min_size=1, max_size=5), damage,
       st.lists(st.integers(1, 3 * CHUNK), min_size=1, max_size=6), st.randoms())
@example([(b"\x00\x03\x0f\x1b\x1e*u", 524823, 1)], "flip", [1], random.Random(5))
@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_the_gzip_reader_reads_every_member_and_always_ends(
        members: list[tuple[bytes, int, int]], damaged: str, sizes: list[int],
        rnd: random.Random) -> None:
    parts = [(pattern * (size // len(pattern) + 1))[:size] for pattern, size, _level in members]
    blob = b"".join(gzip.compress(part, compresslevel=level, mtime=0)
                    for part, (_p, _c, level) in zip(parts, members, strict=True))
    if damaged == "zeros":
        blob += bytes(3000)
    elif damaged == "garbage":
        blob += b"not gzip"
    elif damaged == "cut":
        blob = blob[:len(blob) - 5]
    elif damaged == "flip":
        at = rnd.randrange(len(blob))
        blob = blob[:at] + bytes([blob[at] ^ 0x55]) + blob[at + 1:]
    reader = decompressing(Digesting(io.BytesIO(blob)), "gzip")
    out: list[bytes] = []
    calls = 0
    error: Exception | None = None
    with within(20):
        try:
            while piece := reader.read(sizes[calls % len(sizes)]):
                out.append(piece)
                calls += 1
        except (EOFError, zlib.error) as exc:
            error = exc
    expected = b"".join(parts)
    got = b"".join(out)
    if damaged in ("none", "zeros"):
        assert error is None and got == expected
    elif damaged in ("garbage", "cut"):
        assert error is not None and expected.startswith(got)
    else:  # a flipped bit: an error, or (CRC-32 catches all of them) never wrong bytes
        assert error is not None or got == expected
        # Before its error a damaged stream gives the bytes it holds, which can be more than
        # the original's: the flip shifts the bit stream, the trailer decodes as data (the
        # @example: 526333 bytes of 524823, then EOFError). Not more than zlib decodes: the
        # reader may only keep what zlib drops with the byte its error is found in.
        held = zlib_decodes(blob)
        assert got[:len(held)] == held[:len(got)] and len(got) <= len(held) + _MOST_PER_BYTE


@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=6),
       st.lists(st.integers(1, 400_000), min_size=1, max_size=5),
       st.integers(0, 2_000_000))
@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
def test_the_budget_bounds_a_layer_of_gzip_members(
        datas: list[bytes], cuts: list[int], max_bytes: int) -> None:
    layer = layer_tar([File(f"f{index}", data * 300) for index, data in enumerate(datas)])
    points = sorted({0, len(layer), *(cut % (len(layer) + 1) for cut in cuts)})
    blob = b"".join(gzip.compress(layer[start:end], mtime=0)
                    for start, end in itertools.pairwise(points))
    budget = Budget(max_bytes, 10_000)
    wants = Wants(lambda _path: False, lambda _path: False, 0)
    with within(20):
        diff = read_layer(io.BufferedReader(io.BytesIO(blob)), "layer", wants, budget)
    if len(layer) <= max_bytes:
        assert diff.complete and diff.decompressed == len(layer)
        assert diff.diff_id == sha256(layer) and diff.blob_digest == sha256(blob)
    else:
        assert not diff.complete and diff.decompressed <= max_bytes + CHUNK
