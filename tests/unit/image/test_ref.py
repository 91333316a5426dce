"""The one image reference syntax, split once: TRANSPORT:LOCATION[:REF|@N]."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import UsageError
from checker.image.ref import ImageRef


def test_a_daemon_name_is_never_split() -> None:
    ref = ImageRef.parse("docker-daemon:registry.example:5000/team/fn:v2")
    assert ref == ImageRef("docker-daemon", "registry.example:5000/team/fn:v2")
    assert str(ref) == "docker-daemon:registry.example:5000/team/fn:v2"
    assert not ref.is_archive


@pytest.mark.parametrize(("suffix", "ref", "index"), [
    ("", None, None), (":@0", None, 0), (":@12", None, 12), (":fn/one:v1", "fn/one:v1", None),
    (":app", "app", None),
])
def test_an_archive_path_and_what_follows_it(tmp_path: Path, suffix: str, ref: str | None,
                                              index: int | None) -> None:
    archive = tmp_path / "img.tar"
    archive.write_bytes(b"")
    parsed = ImageRef.parse(f"docker-archive:{archive}{suffix}")
    assert parsed == ImageRef("docker-archive", str(archive), ref, index)
    assert parsed is not None and parsed.path == archive
    assert str(parsed) == f"docker-archive:{archive}{suffix}"


def test_a_path_with_colons_is_the_longest_existing_file(tmp_path: Path) -> None:
    archive = tmp_path / "a:b.tar"
    archive.write_bytes(b"")
    assert ImageRef.parse(f"oci-archive:{archive}:app") == ImageRef("oci-archive", str(archive),
                                                                   "app")
    assert ImageRef.parse(f"oci-archive:{archive}") == ImageRef("oci-archive", str(archive))


def test_a_missing_archive_ends_at_the_first_colon(tmp_path: Path) -> None:
    missing = tmp_path / "gone.tar"
    assert ImageRef.parse(f"docker-archive:{missing}:@1") == ImageRef(
        "docker-archive", str(missing), index=1)


@pytest.mark.parametrize("text", ["./app.zip", "app", "s3:bucket", "C:/x.zip"])
def test_other_text_names_no_image(text: str) -> None:
    assert ImageRef.parse(text) is None


@pytest.mark.parametrize(("text", "message"), [
    ("docker-daemon:", "no image named after the transport"),
    ("docker-archive:", "no image named after the transport"),
    ("oci-archive::app", "no archive path"),
    ("docker-archive:x.tar:@x", "@x is not an image position"),
    ("docker-archive:x.tar:@-1", "@-1 is not an image position"),
    ("docker-archive:x.tar:name:", "is not an image name"),
])
def test_a_malformed_reference_is_a_one_line_usage_error(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        ImageRef.parse(text)
    assert "\n" not in caught.value.message


def test_ref_and_index_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="not both"):
        ImageRef("docker-archive", "x.tar", "a:b", 0)
