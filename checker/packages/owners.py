"""Blame: the distribution that shipped each file of the function.

Python: every `*.dist-info/RECORD` lists the files its wheel installed, relative to the
directory holding the dist-info (site-packages, or the ZIP's root for `pip install --target`);
`METADATA` gives Name and Version. `*.egg-info/installed-files.txt` lists paths relative to
the egg-info directory. Node: a file under `node_modules/<pkg>/` (`<pkg>` may be
`@scope/name`) belongs to that package; with nested node_modules the innermost wins; the
version comes from its package.json. A file under /opt that no manifest claims belongs to
the layer, under the name the caller gives it. Files no one claims have no owner.
"""

from __future__ import annotations

import enum
import posixpath
from collections.abc import Callable, Mapping, Sequence

from checker.packages.tree import Tree
from checker.records import record


class Ecosystem(enum.Enum):
    PYTHON = "python"
    NODE = "node"
    LAYER = "layer"


@record
class Distribution:
    """What shipped a file. manifest: the absolute path of the file that says so (the RECORD,
    the package.json; for a layer, the layer's mount "/opt")."""

    name: str
    version: str | None
    ecosystem: Ecosystem
    manifest: str

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name


class Owners:
    """Absolute path → Distribution: a Python manifest's claim first, then the innermost
    node_modules package, then the layer that holds the file."""

    def __init__(self, claims: Mapping[str, Distribution], layer_of: Mapping[str, Distribution],
                 distributions: Sequence[Distribution]) -> None:
        self._claims = dict(claims)
        self._layer_of = dict(layer_of)
        self.distributions = tuple(distributions)
        self._node_roots = {d.manifest.rpartition("/")[0]: d for d in distributions
                            if d.ecosystem is Ecosystem.NODE}

    def owner(self, abs_path: str) -> Distribution | None:
        return (self._claims.get(abs_path) or _node_owner(abs_path, self._node_roots)
                or self._layer_of.get(abs_path))


def blame(tree: Tree, layer_names: Sequence[str] = ()) -> Owners:
    """Who shipped each file of `tree`. layer_names[i] names tree.layers[i] (its ARN or file
    name); layers without a name are called "layer <i+1>"."""
    claims: dict[str, Distribution] = {}
    layer_of: dict[str, Distribution] = {}
    distributions: list[Distribution] = []
    layers = [Distribution(layer_names[i] if i < len(layer_names) else f"layer {i + 1}", None,
                           Ecosystem.LAYER, "/opt") for i in range(len(tree.layers))]
    distributions.extend(layers)
    for entry in tree.files():
        path = entry.abs_path
        if entry.layer is not None:
            layer_of[path] = layers[entry.layer]
        if path.endswith(".dist-info/RECORD"):
            distribution, paths = _python_dist(tree, path, _record_paths)
        elif path.endswith(".egg-info/installed-files.txt"):
            distribution, paths = _python_dist(tree, path, _installed_files)
        elif _is_node_manifest(path):
            distributions.append(_node_dist(tree, path))
            continue
        else:
            continue
        distributions.append(distribution)
        for claimed in paths:
            claims.setdefault(claimed, distribution)
    return Owners(claims, layer_of, distributions)


# -- python ------------------------------------------------------------------------------


def _python_dist(tree: Tree, manifest: str, read_paths: Callable[[str, str], list[str]]
                 ) -> tuple[Distribution, list[str]]:
    info_dir = manifest.rpartition("/")[0]
    name, version = _name_and_version(tree, info_dir)
    text = tree.text(manifest)
    paths = [] if text is None else read_paths(text.decode("utf-8", "replace"), info_dir)
    paths.append(manifest)
    paths.extend(e.abs_path for e in tree.files() if e.abs_path.startswith(info_dir + "/"))
    return Distribution(name, version, Ecosystem.PYTHON, manifest), paths


def _record_paths(text: str, info_dir: str) -> list[str]:
    """RECORD rows are `path,hash,size`; paths are relative to the dist-info's parent."""
    import csv  # here: only a RECORD is parsed with it
    import io

    base = info_dir.rpartition("/")[0]
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return []
    return [posixpath.normpath(posixpath.join(base, row[0])) for row in rows if row and row[0]]


def _installed_files(text: str, info_dir: str) -> list[str]:
    return [posixpath.normpath(posixpath.join(info_dir, line.strip()))
            for line in text.splitlines() if line.strip()]


def _name_and_version(tree: Tree, info_dir: str) -> tuple[str, str | None]:
    """Name and Version from METADATA (dist-info) or PKG-INFO (egg-info), else the directory
    name ("numpy-2.1.0.dist-info")."""
    for header_file in ("METADATA", "PKG-INFO"):
        text = tree.text(f"{info_dir}/{header_file}")
        if text is not None:
            headers = metadata_headers(text)
            if headers.get("Name"):
                return headers["Name"], headers.get("Version") or None
    stem = info_dir.rpartition("/")[2].rpartition(".")[0]
    name, _, version = stem.partition("-")
    return name, version.partition("-")[0] or None


def metadata_headers(text: bytes) -> dict[str, str]:
    """The first value of each header of a METADATA / PKG-INFO file (RFC 822 style)."""
    from email.parser import HeaderParser  # here: email costs ~10 ms to import

    message = HeaderParser().parsestr(text.decode("utf-8", "replace"))
    headers: dict[str, str] = {}
    for key, value in message.items():
        headers.setdefault(key, str(value).strip())
    return headers


# -- node --------------------------------------------------------------------------------


def _is_node_manifest(path: str) -> bool:
    root = path.removesuffix("/package.json")
    return root != path and package_name(root) is not None


def package_name(root: str) -> str | None:
    """"@scope/name" or "name" when `root` is a directory node_modules/<pkg> (else None)."""
    parts = root.split("/")
    if len(parts) >= 2 and parts[-2] == "node_modules" and not parts[-1].startswith((".", "@")):
        return parts[-1]
    if len(parts) >= 3 and parts[-3] == "node_modules" and parts[-2].startswith("@"):
        return f"{parts[-2]}/{parts[-1]}"
    return None


def read_package_json(tree: Tree, manifest: str) -> dict[str, object]:
    """The package.json as a dict ({} when not kept or not a JSON object)."""
    text = tree.text(manifest)
    if text is None:
        return {}
    import json  # only for a package.json (a check without one skips ~1.5 ms of import)

    try:
        data = json.loads(text.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _node_dist(tree: Tree, manifest: str) -> Distribution:
    root = manifest.removesuffix("/package.json")
    data = read_package_json(tree, manifest)
    version = data.get("version")
    return Distribution(str(package_name(root)), version if isinstance(version, str) else None,
                        Ecosystem.NODE, manifest)


def _node_owner(abs_path: str, roots: Mapping[str, Distribution]) -> Distribution | None:
    """The innermost node_modules package whose directory holds `abs_path`."""
    directory = abs_path.rpartition("/")[0]
    while directory and "node_modules" in directory:
        found = roots.get(directory)
        if found is not None:
            return found
        directory = directory.rpartition("/")[0]
    return None
