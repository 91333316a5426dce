"""The Node handler's export, read conservatively: MISSING only when certain."""

from __future__ import annotations

import pytest

from checker.packages.node_handler import Export, find_export


@pytest.mark.parametrize("source", [
    b"exports.handler = async (event) => 1;\n",
    b"module.exports.handler = function () {};\n",
    b"module.exports = { handler, other };\n",
    b"module.exports = { handler: async () => 1 };\n",
    b"export const handler = async () => 1;\n",
    b"export async function handler(event) {}\n",
    b"const main = () => 1;\nexport { main as handler };\n",
])
def test_exports_found(source: bytes) -> None:
    assert find_export(source, "index.handler").verdict is Export.FOUND


def test_a_misspelled_handler_is_missing() -> None:
    result = find_export(b"exports.handler = async (event) => ({ statusCode: 200 });\n",
                         "index.handlr")
    assert result.verdict is Export.MISSING
    assert result.message == ("Runtime.HandlerNotFound: index.handlr is undefined or not "
                              "exported (the file exports handler)")


@pytest.mark.parametrize("source", [
    b"export * from './impl.js';\nexport const other = 1;\n",
    b"module.exports = require('./impl');\n",
    b"Object.assign(module.exports, impl);\nexports.other = 1;\n",
    b"exports['handl' + 'r'] = f;\nexports.other = 1;\n",
    b"var a=1;" * 200 + b"\nexports.other = 1;\n",  # minified: one long line
    b"const x = 1;\n",  # exports nothing we understood
    b"// handlr is defined elsewhere\nexports.other = 1;\n",  # the name occurs
])
def test_unsure_is_unknown_never_missing(source: bytes) -> None:
    assert find_export(source, "index.handlr").verdict is Export.UNKNOWN
