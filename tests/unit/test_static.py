"""What the scan keeps in memory for the rules (checker/static.py's TextWanted): sources only
when some target has a handler (no rule reads them otherwise); manifests always."""

from __future__ import annotations

from pathlib import Path

from checker.facts import ArtifactFacts, ArtifactRole
from checker.options import Target
from checker.static import scan_all
from tests.build.runtimes import python_runtime
from tests.build.zips import File, make_zip

ENTRIES = [File("app.py", b"import helper\n"), File("helper.py", b"f = len\n"),
           File("lib/index.js", b"exports.x = 1;\n"),
           File("pkg-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: pkg\n"),
           File("pkg-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
           File("old.pyc", b"\x00\x00\x00\x00")]


def _texts(artifact: Path, layer: Path, handler: str | None) -> tuple[set[str], set[str]]:
    target = Target(artifact=artifact, runtime=python_runtime("3.12"), arch="x86_64",
                    handler=handler, layers=(layer,))
    scans = scan_all([target], jobs=1)
    function = scans[(artifact, ArtifactRole.FUNCTION)]
    layered = scans[(layer, ArtifactRole.LAYER)]
    assert isinstance(function, ArtifactFacts) and isinstance(layered, ArtifactFacts)
    return set(function.texts), set(layered.texts)


def test_without_a_handler_no_sources_are_kept(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", ENTRIES)
    layer = make_zip(tmp_path / "layer.zip", [File("python/mod.py", b"x = 1\n")])
    function, layered = _texts(artifact, layer, None)
    assert function == {"pkg-1.0.dist-info/METADATA", "pkg-1.0.dist-info/WHEEL", "old.pyc"}
    assert layered == set()


def test_with_a_handler_every_source_is_kept(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", ENTRIES)
    layer = make_zip(tmp_path / "layer.zip", [File("python/mod.py", b"x = 1\n")])
    function, layered = _texts(artifact, layer, "app.handler")
    assert function == {"app.py", "helper.py", "lib/index.js", "pkg-1.0.dist-info/METADATA",
                        "pkg-1.0.dist-info/WHEEL", "old.pyc"}
    assert layered == {"python/mod.py"}
