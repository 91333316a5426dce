"""Generate runtimes/node-abi.json, Node major → NODE_MODULE_VERSION, from Node's own registry.

    python3 scripts/generate_node_abi.py --registry tests/data/node/abi_version_registry.json \
        --out runtimes/node-abi.json

The input is nodejs/node's doc/abi_version_registry.json (or a trimmed copy holding its
"source" object: repository, path, commit). Only rows of the "node" runtime for a release
("20.0.0", "13"; not "-pre") count, distro variants ("debian-openssl_1.1.1") left out. The
output is JSON, not TOML, because every *.toml under runtimes/ is read as a catalog file.
Stdlib only; the same input gives byte-identical output.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

_RELEASE = re.compile(r"^(\d+)(?:\.0\.0)?$")


def node_majors(registry: dict[str, object]) -> dict[int, int]:
    """Node major → NODE_MODULE_VERSION of its release."""
    rows = registry.get("NODE_MODULE_VERSION")
    if not isinstance(rows, list):
        raise TypeError("no NODE_MODULE_VERSION list in the registry")
    table: dict[int, int] = {}
    for row in rows:
        if not isinstance(row, dict) or row.get("runtime") != "node":
            continue
        if str(row.get("variant", "")).startswith("debian"):
            continue
        found = _RELEASE.match(str(row.get("versions", "")))
        if found is None:
            continue
        major = int(found.group(1))
        if major in table and table[major] != row["modules"]:
            raise ValueError(f"Node {major} has two release ABIs: {table[major]}, {row['modules']}")
        table[major] = int(row["modules"])
    return dict(sorted(table.items()))


def render(registry: dict[str, object]) -> str:
    source = registry.get("source", {})
    document = {
        "generated_by": "scripts/generate_node_abi.py",
        "source": source,
        "node_module_version": {str(major): modules
                                for major, modules in node_majors(registry).items()},
    }
    return json.dumps(document, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    registry = json.loads(args.registry.read_text(encoding="utf-8"))
    args.out.write_text(render(registry), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
