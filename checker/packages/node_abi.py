"""The NODE_MODULE_VERSION of each Node addon against the runtime's Node.

An addon says which ABI it was built for in its exported init symbol:
`node_register_module_v<NODE_MODULE_VERSION>` (built against one Node's headers: loads only
there), or `napi_register_module_v1` (Node-API: loads on every Node). Addons registered by a
static constructor alone (the legacy NODE_MODULE macro) export neither: undecided, not judged.
The table Node major → NODE_MODULE_VERSION is runtimes/node-abi.json, generated from Node's
own doc/abi_version_registry.json by scripts/generate_node_abi.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping

from checker.packages.tree import Tree
from checker.records import record

_NODE_SYMBOL = re.compile(r"^node_register_module_v(\d+)$")
_NAPI_PREFIX = "napi_register_module_v"


@record
class AbiTable:
    """Node major → the NODE_MODULE_VERSION of its releases, with where it comes from."""

    by_major: Mapping[int, int]
    source: Mapping[str, str]

    def majors_of(self, module_version: int) -> list[int]:
        return [major for major, value in self.by_major.items() if value == module_version]


@record
class AddonAbi:
    """An ELF in the tree whose exports name a Node addon init function: its NODE_MODULE_VERSION
    (None for N-API or unknown), and whether it is N-API."""

    path: str  # absolute
    module_version: int | None  # from node_register_module_vNNN; None for N-API or unknown
    napi: bool


@record
class AbiMismatch:
    """An addon built for another NODE_MODULE_VERSION than the runtime's Node requires."""

    path: str
    module_version: int
    expected: int
    built_for: tuple[int, ...]  # the Node majors with that NODE_MODULE_VERSION
    message: str  # in Node's words


def parse_abi_table(text: str) -> AbiTable:
    """The contents of runtimes/node-abi.json. ValueError when it is not JSON, TypeError when
    it has no node_module_version table."""
    data = json.loads(text)
    table = data.get("node_module_version") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise TypeError("no node_module_version table")
    source = data.get("source", {})
    return AbiTable({int(k): int(v) for k, v in table.items()},
                    {str(k): str(v) for k, v in source.items()} if isinstance(source, dict)
                    else {})


def addon_abi(exports: Collection[str]) -> tuple[int | None, bool]:
    """(NODE_MODULE_VERSION, is N-API) from an addon's exported init symbols."""
    napi = any(name.startswith(_NAPI_PREFIX) for name in exports)
    for name in exports:
        found = _NODE_SYMBOL.match(name)
        if found is not None:
            return int(found.group(1)), napi
    return None, napi


def addons(tree: Tree) -> list[AddonAbi]:
    """Every ELF whose exports name an addon init function (whatever its file name: Node
    dlopen()s any path given to require or process.dlopen)."""
    found = []
    for entry in tree.files():
        elf = entry.file.elf
        if elf is None or not elf.exports:
            continue
        version, napi = addon_abi(elf.exports)
        if version is not None or napi:
            found.append(AddonAbi(entry.abs_path, version, napi))
    return found


def check_addons(tree: Tree, node_major: int, table: AbiTable,
                 skip: Collection[str] = ()) -> list[AbiMismatch]:
    """Addons built for another NODE_MODULE_VERSION than Node `node_major`'s. N-API addons
    are fine on every Node. `skip`: paths Lambda never loads (reachability's NOT_LOADED)."""
    expected = table.by_major.get(node_major)
    if expected is None:
        return []
    mismatches = []
    for addon in addons(tree):
        if addon.path in skip or addon.napi or addon.module_version is None:
            continue
        if addon.module_version == expected:
            continue
        mismatches.append(AbiMismatch(
            addon.path, addon.module_version, expected,
            tuple(table.majors_of(addon.module_version)),
            f"The module '{addon.path}' was compiled against a different Node.js version using "
            f"NODE_MODULE_VERSION {addon.module_version}. This version of Node.js requires "
            f"NODE_MODULE_VERSION {expected}."))
    return mismatches
