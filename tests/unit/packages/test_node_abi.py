"""Node ABI of addons compiled here with gcc (a C function with the init symbol's name is all
Node looks for), and the table generated from the vendored copy of Node's registry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from checker.packages.node_abi import check_addons, parse_abi_table
from checker.packages.tree import Tree
from tests.build.compile import BuildCache, require_tools
from tests.build.zips import File
from tests.unit.packages.conftest import Read

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = ROOT / "tests/data/node/abi_version_registry.json"
SHIPPED = ROOT / "runtimes/node-abi.json"


def _addon(cache: BuildCache, tmp_path: Path, name: str, body: str) -> bytes:
    require_tools("gcc")
    source = tmp_path / f"{name}.c"
    source.write_text(body)
    flags = ["-shared", "-fPIC", "-Wl,--unresolved-symbols=ignore-all"]
    return cache.c(source, name=f"{name}.node", flags=flags, subdir=name).read_bytes()


def test_generated_table_is_the_shipped_one_and_matches_node(tmp_path: Path) -> None:
    out = tmp_path / "node-abi.json"
    subprocess.run([sys.executable, str(ROOT / "scripts/generate_node_abi.py"), "--registry",
                    str(REGISTRY), "--out", str(out)], check=True)
    assert out.read_text() == SHIPPED.read_text()
    table = parse_abi_table(SHIPPED.read_text())
    # by hand, from Node's release notes
    assert {m: table.by_major[m] for m in (18, 20, 22, 24)} == {18: 108, 20: 115, 22: 127,
                                                                24: 137}
    assert table.source["commit"] == json.loads(REGISTRY.read_text())["source"]["commit"]


def test_an_addon_for_node_20_on_node_22(read: Read, build_cache: BuildCache,
                                         tmp_path: Path) -> None:
    node20 = _addon(build_cache, tmp_path, "old", "void node_register_module_v115(void) {}\n"
                    "void helper(void) {}\n")
    napi = _addon(build_cache, tmp_path, "napi", "void napi_register_module_v1(void) {}\n")
    undefined = _addon(build_cache, tmp_path, "undef",
                       "extern void node_register_module_v64(void);\n"
                       "void f(void) { node_register_module_v64(); }\n")
    tree = Tree(read([File("build/Release/old.node", node20), File("napi.node", napi),
                      File("undef.node", undefined)]))
    assert tree.get("/var/task/build/Release/old.node") is not None
    old = tree.get("/var/task/build/Release/old.node")
    assert old is not None and old.file.elf is not None
    assert old.file.elf.exports == ("node_register_module_v115",)
    table = parse_abi_table(SHIPPED.read_text())
    mismatches = check_addons(tree, 22, table)
    assert [m.message for m in mismatches] == [(
        "The module '/var/task/build/Release/old.node' was compiled against a different "
        "Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires "
        "NODE_MODULE_VERSION 127.")]
    assert mismatches[0].built_for == (20,)
    assert check_addons(tree, 20, table) == []
    assert check_addons(tree, 22, table, skip={"/var/task/build/Release/old.node"}) == []
