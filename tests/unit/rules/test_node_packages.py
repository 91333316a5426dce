"""The Node package rules on real inputs: addons compiled here with gcc exporting the init
symbol Node looks for (node-abi), and handler files whose export is or is not there
(node-handler)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.model import HandlerStyle, Runtime
from tests.build.check import check, errors, findings
from tests.build.compile import BuildCache, require_tools
from tests.build.runtimes import runtime
from tests.build.zips import File, make_zip

INDEX = File("index.js", b"const addon = require('./build/Release/addon.node');\n"
                         b"exports.handler = async (event) => addon.run(event);\n")


def node(major: int) -> Runtime:
    return runtime(f"nodejs{major}.x", family="nodejs", style=HandlerStyle.NODE,
                   language=str(major), glibc="2.34")


def _addon(cache: BuildCache, tmp_path: Path, name: str, symbol: str) -> bytes:
    require_tools("gcc")
    source = tmp_path / f"{name}.c"
    source.write_text(f"void {symbol}(void) {{}}\n")
    return cache.c(source, name=f"{name}.node", flags=["-shared", "-fPIC"],
                   subdir=name).read_bytes()


def test_an_addon_for_node_20_fails_node_22_in_nodes_words(tmp_path: Path,
                                                           build_cache: BuildCache) -> None:
    addon = _addon(build_cache, tmp_path, "v115", "node_register_module_v115")
    zipped = make_zip(tmp_path / "fn.zip", [File("build/Release/addon.node", addon), INDEX])
    (finding,) = errors(check(zipped, node(22), handler="index.handler"), "node-abi")
    assert finding.path == "build/Release/addon.node"
    assert finding.subject == "NODE_MODULE_VERSION 115"
    assert ("was compiled against a different Node.js version using NODE_MODULE_VERSION 115. "
            "This version of Node.js requires NODE_MODULE_VERSION 127.") in finding.message
    assert "an addon built for Node 20" in finding.message
    assert finding.fix is not None and finding.fix.startswith("npm rebuild --target=22")
    assert findings(check(zipped, node(20), handler="index.handler"), "node-abi") == []


@pytest.mark.parametrize("major", [18, 20, 22, 24])
def test_a_node_api_addon_passes_every_node(tmp_path: Path, build_cache: BuildCache,
                                            major: int) -> None:
    addon = _addon(build_cache, tmp_path, "napi", "napi_register_module_v1")
    zipped = make_zip(tmp_path / "fn.zip", [File("build/Release/addon.node", addon), INDEX])
    assert findings(check(zipped, node(major), handler="index.handler"), "node-abi") == []


def test_a_misspelled_handler_export_fails(tmp_path: Path) -> None:
    zipped = make_zip(tmp_path / "fn.zip",
                      [File("index.js", b"exports.handler = async () => 1;\n")])
    (finding,) = errors(check(zipped, node(20), handler="index.handlr"), "node-handler")
    assert finding.path == "index.js"
    assert finding.message.startswith(
        "Runtime.HandlerNotFound: index.handlr is undefined or not exported")
    assert findings(check(zipped, node(20), handler="index.handler"), "node-handler") == []


@pytest.mark.parametrize(("name", "source"), [
    ("index.mjs", b"export const handler = async () => 1;\n"),
    ("index.js", b"module.exports = require('./lib/app');\n"),
    ("index.js", b"Object.assign(exports, { handler: async () => 1 });\n"),
    ("index.cjs", b"const name = 'hand' + 'ler';\nexports[name] = async () => 1;\n"),
])
def test_handlers_that_are_or_may_be_there_never_fail(tmp_path: Path, name: str,
                                                      source: bytes) -> None:
    zipped = make_zip(tmp_path / "fn.zip", [File(name, source)])
    assert findings(check(zipped, node(20), handler="index.handler"), "node-handler") == []
