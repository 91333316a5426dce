"""What the scan keeps in memory for the rules (checker/static.py's TextWanted): manifests
always; of a ZIP's or folder's sources only the handler's file, the others are read again on
demand (packages.tree.Tree.text) when a rule asks for one."""

from __future__ import annotations

from pathlib import Path

from checker.facts import ArtifactFacts, ArtifactRole
from checker.options import Target
from checker.packages.tree import Tree
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


def test_with_a_handler_only_its_file_is_kept_and_others_are_read_on_demand(
        tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", ENTRIES)
    layer = make_zip(tmp_path / "layer.zip", [File("python/mod.py", b"x = 1\n")])
    function, layered = _texts(artifact, layer, "app.handler")
    assert function == {"app.py", "pkg-1.0.dist-info/METADATA", "pkg-1.0.dist-info/WHEEL",
                        "old.pyc"}
    assert layered == set()
    target = Target(artifact=artifact, runtime=python_runtime("3.12"), arch="x86_64",
                    handler="app.handler", layers=(layer,))
    scans = scan_all([target], jobs=1)
    function_facts = scans[(artifact, ArtifactRole.FUNCTION)]
    layer_facts = scans[(layer, ArtifactRole.LAYER)]
    assert isinstance(function_facts, ArtifactFacts) and isinstance(layer_facts, ArtifactFacts)
    tree = Tree(function_facts, [layer_facts])
    assert tree.text("/var/task/helper.py") == b"f = len\n"
    assert tree.text("/opt/python/mod.py") == b"x = 1\n"
    assert tree.text("/var/task/missing.py") is None


def test_a_folder_artifact_reads_sources_on_demand_too(tmp_path: Path) -> None:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "app.py").write_bytes(b"import helper\n")
    (folder / "helper.py").write_bytes(b"f = len\n")
    target = Target(artifact=folder, runtime=python_runtime("3.12"), arch="x86_64",
                    handler="app.handler")
    facts = scan_all([target], jobs=1)[(folder, ArtifactRole.FUNCTION)]
    assert isinstance(facts, ArtifactFacts)
    assert set(facts.texts) == {"app.py"}
    assert Tree(facts).text("/var/task/helper.py") == b"f = len\n"
