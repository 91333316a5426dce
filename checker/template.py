"""Functions discovered in a SAM or CloudFormation template (YAML or JSON).

Reads AWS::Serverless::Function (with Globals.Function merged) and AWS::Lambda::Function,
and their local layers (AWS::Serverless::LayerVersion, AWS::Lambda::LayerVersion) referenced
with Ref. Whatever cannot be checked locally (S3 code, container images, remote layer ARNs,
values only known at deploy time) becomes a note, never an error. A function whose local code
is refused (a CodeUri or layer ContentUri outside the template's folder, unless allowed)
becomes an Unresolved record: it fails alone, the other functions are still read.

Hostile input stays bounded: the file is read capped (TEMPLATE_CAP), nesting deeper than the
parser can follow is a ConfigError, every value is resolved at most once per reader (so `!Ref`
and `!Sub` cycles and alias-shared trees end, in linear time), resolved strings are capped,
and values shown in notes are rendered only up to their cut.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from checker.errors import ConfigError
from checker.inputs import MIB, read_input_text
from checker.lambda_env import DEFAULT_ARCH, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
from checker.options import Unresolved
from checker.project_config import FunctionSpec
from checker.records import record

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
BUILD_DIR = Path(".aws-sam") / "build"
# CloudFormation takes a template body of at most 1 MB (from S3) after the SAM transform, which
# only grows a template; 4 MiB leaves room for comments and is parsed in a few seconds.
TEMPLATE_CAP = 4 * MIB
MAX_VALUE_CHARS = 64 * 1024  # a resolved Runtime/Handler/CodeUri/env value; longer: not used
MAX_RESOLVE_DEPTH = 64  # nested intrinsics followed; deeper: no value before deployment
MAX_MERGE_DEPTH = 32  # Globals merged this deep; deeper, the function's value replaces
SHOW_CHARS = 80
MAX_YAML_DEPTH = 200  # nested mappings/sequences; a SAM template needs about ten
MAX_JSON_DEPTH = 800  # JSON: below where Python 3.11's decoder meets the recursion limit
# Short-form tag -> the long form CloudFormation uses in JSON.
SHORT_TAGS = {
    "Ref": "Ref", "Condition": "Condition",
    **{name: f"Fn::{name}" for name in (
        "Sub", "GetAtt", "Join", "If", "Select", "Split", "FindInMap", "GetAZs", "ImportValue",
        "Base64", "Cidr", "Equals", "And", "Or", "Not")},
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@record
class Intrinsic:
    """A CloudFormation intrinsic function, by its long name ("Ref", "Fn::Sub")."""

    name: str
    value: Any


@record
class TemplateFunctions:
    """What a template yields: the functions to check and what was left out, and why."""

    functions: tuple[FunctionSpec, ...]
    notes: tuple[str, ...]
    unresolved: tuple[Unresolved, ...] = ()  # functions refused, each reported as a failure


class _Skip(Exception):
    """A function (or layer) that cannot be checked locally; the message says why."""


class _Refuse(Exception):
    """A function whose local code must not be read: it fails alone (message, hint)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint
        self.runtime: str | None = None
        self.arch: str | None = None


# libyaml's parser when PyYAML has it (5x faster than the pure-Python one); its composer
# recurses in C without a limit, so nesting is measured on the event stream first.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TemplateLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that turns CloudFormation short-form tags into Intrinsic objects."""


def _tag_constructor(long_name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Intrinsic]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Intrinsic:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return Intrinsic(long_name, value)

    return construct


for _short, _long in SHORT_TAGS.items():
    TemplateLoader.add_constructor(f"!{_short}", _tag_constructor(_long))


def load_template(path: Path, image_functions: Mapping[str, str] | None = None, *,
                  allow_outside: bool = False) -> TemplateFunctions:
    """The functions of the SAM/CloudFormation template at `path`, with notes.

    image_functions maps a PackageType Image function's logical id to a local image
    reference (docker-daemon:NAME:TAG, docker-archive:PATH, ...) — `--image-function`.
    allow_outside: read code and layers outside the template's folder (else each such
    function is Unresolved) — `--allow-outside-paths`.
    """
    document = _parse(path)
    resources = document.get("Resources")
    if not isinstance(resources, dict):
        raise ConfigError(f"{path}: not a CloudFormation/SAM template (no Resources mapping)")
    reader = _Reader(path.absolute().parent, document, resources, image_functions or {},
                     allow_outside=allow_outside)
    specs: list[FunctionSpec] = []
    refused: list[Unresolved] = []
    for logical_id, resource in resources.items():
        try:
            spec = reader.function(str(logical_id), resource)
        except _Refuse as refusal:
            refused.append(Unresolved(name=str(logical_id), source=path, message=str(refusal),
                                      hint=refusal.hint, runtime=refusal.runtime or "unknown",
                                      arch=refusal.arch or "unknown"))
            continue
        if spec is not None:
            specs.append(spec)
    return TemplateFunctions(functions=tuple(specs), notes=tuple(reader.notes),
                             unresolved=tuple(refused))


def _parse(path: Path) -> dict[str, Any]:
    # regular files only, capped, UTF-8
    text = read_input_text(path, what="cannot read template", cap=TEMPLATE_CAP)
    try:
        document = _load_json(text) if text.lstrip().startswith("{") else _load_yaml(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from None
    except yaml.YAMLError as error:
        if getattr(error, "problem", None) == "exceeded maximum nesting depth":
            raise _too_deep(path) from None  # libyaml's own limit (PyYAML >= 6.0.4)
        raise ConfigError(f"{path}: invalid YAML: {_yaml_problem(error)}") from None
    except ValueError as error:  # an integer longer than Python converts (4300 digits)
        reason = str(error).split(";")[0]
        raise ConfigError(f"{path}: a value cannot be read: {reason}") from None
    except (RecursionError, _TooDeep):  # the parsers recurse once per nesting level
        raise _too_deep(path) from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: not a CloudFormation/SAM template (not a mapping)")
    return document


def _too_deep(path: Path) -> ConfigError:
    return ConfigError(f"{path}: nested too deeply to read",
                       hint="templates nest a few levels; this one nests hundreds")


class _TooDeep(Exception):
    """YAML nested deeper than MAX_YAML_DEPTH, JSON deeper than MAX_JSON_DEPTH."""


def _load_json(text: str) -> Any:
    """json.loads, and no deeper than MAX_JSON_DEPTH: Python 3.11's decoder recurses (a
    RecursionError at ~1,000 levels), 3.13's reads far deeper; the answer is the same."""
    document = json.loads(text)
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _TooDeep
        children = value.values() if isinstance(value, dict) else value \
            if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return document


def _load_yaml(text: str) -> Any:
    depth = 0
    for event in yaml.parse(text, Loader=TemplateLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _TooDeep
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=TemplateLoader)  # a SafeLoader subclass


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        return f"{error.problem} (line {error.problem_mark.line + 1})"
    return str(error).replace("\n", " ")


def _intrinsic(value: Any) -> Intrinsic | None:
    """The intrinsic in `value`, in short (tag) or long ({"Fn::Sub": ...}) form."""
    if isinstance(value, Intrinsic):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
            return Intrinsic(key, inner)
    return None


def show(value: Any) -> str:
    """A short human form of a template value for notes ("!Ref RuntimeParam").

    Rendered only up to the cut: an alias bomb (a few hundred bytes of YAML standing for
    billions of nodes) or a self-referencing tree costs no more than a short value.
    """
    out = _Shown()
    with contextlib.suppress(_Full):
        _show(value, out, top=True)
    text = "".join(out.parts)
    return text if len(text) <= SHOW_CHARS else text[:SHOW_CHARS - 3] + "..."


class _Full(Exception):
    """Enough text for show()."""


class _Shown:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def put(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > SHOW_CHARS:
            raise _Full


def _show(value: Any, out: _Shown, *, top: bool, depth: int = 0) -> None:
    if depth > SHOW_CHARS:  # every level puts at least one character before going deeper
        raise _Full
    intrinsic = _intrinsic(value)
    if intrinsic is not None:
        out.put(f"!{intrinsic.name.removeprefix('Fn::')} ")
        _show(intrinsic.value, out, top=True, depth=depth + 1)
    elif isinstance(value, list):
        out.put("[")
        for index, item in enumerate(value):
            out.put(", " if index else "")
            _show(item, out, top=False, depth=depth + 1)
        out.put("]")
    elif isinstance(value, dict):
        out.put("{")
        for index, (key, item) in enumerate(value.items()):
            out.put((", " if index else "") + _clip(str(key)) + ": ")
            _show(item, out, top=False, depth=depth + 1)
        out.put("}")
    elif isinstance(value, str) and (not top or not value):
        out.put(json.dumps(_clip(value)))
    else:
        out.put(_clip(value) if isinstance(value, str) else str(value))


def _clip(text: str) -> str:
    return text[:SHOW_CHARS + 1]


def _merge_globals(globals_: Mapping[str, Any], local: Mapping[str, Any],
                   depth: int = 0) -> dict[str, Any]:
    """SAM's rules: scalars replaced, maps merged, lists concatenated (Architectures replaced).

    Below MAX_MERGE_DEPTH the local value replaces: YAML anchors can make both sides refer to
    themselves, and no property SAM merges nests that deep."""
    merged = dict(globals_)
    for key, value in local.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and depth < MAX_MERGE_DEPTH:
            merged[key] = _merge_globals(current, value, depth + 1)
        elif isinstance(current, list) and isinstance(value, list) and key != "Architectures":
            merged[key] = current + value
        else:
            merged[key] = value
    return merged


class _Reader:
    """Reads one template: resolves values and collects notes as it goes."""

    def __init__(self, base_dir: Path, document: Mapping[str, Any],
                 resources: Mapping[str, Any], image_functions: Mapping[str, str], *,
                 allow_outside: bool = False) -> None:
        self.base_dir = base_dir
        self.allow_outside = allow_outside
        self.image_functions = image_functions
        self.resources = resources
        self.parameters = _mapping(document.get("Parameters"))
        self.mappings = _mapping(document.get("Mappings"))
        self.function_globals = _mapping(_mapping(document.get("Globals")).get("Function"))
        self.notes: list[str] = []
        # Resolved values by the id of their node (nodes live as long as the document):
        # each node is resolved once; a node met again while it is resolved is a cycle.
        self._resolved: dict[int, str | None] = {}
        self._resolving: set[int] = set()
        self._refs: dict[str, str | None] = {}
        self._refs_open: set[str] = set()
        self._depth = 0
        self.unbounded = False  # set when a value refers to itself or nests too deep

    # -- values ---------------------------------------------------------------------------

    def literal(self, value: Any) -> str | None:
        """The string `value` stands for, or None when only a deployment could tell (or it
        refers to itself, nests deeper than MAX_RESOLVE_DEPTH, or is longer than
        MAX_VALUE_CHARS)."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            scalar = str(value)
            return scalar if self._fits(len(scalar)) else None
        intrinsic = _intrinsic(value)
        if intrinsic is None:
            return None
        resolve = {"Ref": self._ref, "Fn::Sub": self._sub, "Fn::Join": self._join,
                   "Fn::FindInMap": self._find_in_map}.get(intrinsic.name)
        if resolve is None:
            return None
        key = id(value)
        if key in self._resolved:
            return self._resolved[key]
        if key in self._resolving or self._depth >= MAX_RESOLVE_DEPTH:
            self.unbounded = True
            return None
        self._resolving.add(key)
        self._depth += 1
        text: str | None
        try:
            text = resolve(intrinsic.value)
        finally:
            self._depth -= 1
            self._resolving.discard(key)
        self._resolved[key] = text
        return text

    def _fits(self, size: int) -> bool:
        if size > MAX_VALUE_CHARS:
            self.unbounded = True
            return False
        return True

    def _ref(self, name: Any) -> str | None:
        if not isinstance(name, str):
            return None
        if name in self._refs:
            self.unbounded |= name in self._refs_open
            return self._refs[name]
        parameter = self.parameters.get(name)
        value = None
        if isinstance(parameter, dict) and "Default" in parameter:
            self._refs[name] = None  # while it is resolved, a Ref back to it has no value
            self._refs_open.add(name)
            value = self.literal(parameter["Default"])
            self._refs_open.discard(name)
        self._refs[name] = value
        return value

    def _sub(self, value: Any) -> str | None:
        text, variables = (value[0], _mapping(value[1])) if (
            isinstance(value, list) and len(value) == 2) else (value, {})
        if not isinstance(text, str):
            return None
        parts: list[str | None] = []
        last = 0
        for match in _SUB_VARIABLE.finditer(text):
            parts.append(text[last:match.start()])
            name = match.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
            else:
                parts.append(self.literal(variables[name]) if name in variables
                             else self._ref(name))
            last = match.end()
        parts.append(text[last:])
        if None in parts or not self._fits(sum(len(p) for p in parts if p is not None)):
            return None
        return "".join(p for p in parts if p is not None)

    def _join(self, value: Any) -> str | None:
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], list)):
            return None
        delimiter = self.literal(value[0])
        items = [self.literal(item) for item in value[1]]
        if delimiter is None or None in items:
            return None
        size = sum(len(item) for item in items if item is not None)
        if not self._fits(size + len(delimiter) * len(items)):
            return None
        return delimiter.join(item for item in items if item is not None)

    def _find_in_map(self, value: Any) -> str | None:
        if not (isinstance(value, list) and len(value) == 3):
            return None
        node: Any = self.mappings
        for key in value:
            name = self.literal(key)
            if not isinstance(node, dict) or name not in node:
                return None
            node = node[name]
        return self.literal(node)

    def note(self, logical_id: str, text: str) -> None:
        self.notes.append(f"{logical_id}: {text}")

    # -- functions ------------------------------------------------------------------------

    def function(self, logical_id: str, resource: Any) -> FunctionSpec | None:
        if not isinstance(resource, dict):
            return None
        kind = resource.get("Type")
        if kind not in (SERVERLESS_FUNCTION, LAMBDA_FUNCTION):
            return None
        properties = _mapping(resource.get("Properties"))
        if kind == SERVERLESS_FUNCTION:
            properties = _merge_globals(self.function_globals, properties)
        try:
            if self.literal(properties.get("PackageType")) == "Image":
                return self.image_spec(logical_id, properties, _mapping(resource.get("Metadata")))
            return self.spec(logical_id, properties, kind)
        except _Skip as skip:
            self.note(logical_id, f"{skip}; not checked")
            return None
        except _Refuse as refusal:  # name what is known, for the report's target label
            with contextlib.suppress(_Skip):
                refusal.runtime = self.text(properties, "Runtime", required=False)
            arches = self.arches(logical_id, properties.get("Architectures"))
            refusal.arch = ", ".join(arches) if arches else None
            raise

    def image_spec(self, logical_id: str, properties: Mapping[str, Any],
                   metadata: Mapping[str, Any]) -> FunctionSpec:
        """A PackageType Image function, checked from its local image: --image-function,
        else a local ImageUri (what sam build writes), else SAM's build tag from Metadata."""
        reference = self.image_functions.get(logical_id)
        if reference is None:
            uri = self.literal(properties.get("ImageUri")) if "ImageUri" in properties else None
            tag = self.literal(metadata.get("DockerTag")) if "DockerTag" in metadata else None
            if uri and ".amazonaws.com/" not in uri:
                reference = f"docker-daemon:{uri}"
            elif tag:
                reference = f"docker-daemon:{logical_id.lower()}:{tag}"
        if reference is None:
            raise _Skip("a container image with no local image: build it (sam build) or name it "
                        f"with --image-function {logical_id}=docker-daemon:NAME:TAG")
        return FunctionSpec(
            name=logical_id, artifact=Path(reference),
            arches=self.arches(logical_id, properties.get("Architectures")),
            memory_mb=_as_int(self.number(logical_id, properties, "MemorySize",
                                          DEFAULT_MEMORY_MB)),
            timeout_s=self.number(logical_id, properties, "Timeout", DEFAULT_TIMEOUT_S),
            env=self.env(logical_id, properties.get("Environment")),
            managed_instances=_on_managed_instances(properties),
        )

    def spec(self, logical_id: str, properties: Mapping[str, Any], kind: str) -> FunctionSpec:
        artifact = self.code_location(logical_id, properties, kind)
        runtime = self.text(properties, "Runtime", required=True)
        return FunctionSpec(
            name=logical_id,
            artifact=artifact,
            runtimes=(runtime,) if runtime is not None else None,
            arches=self.arches(logical_id, properties.get("Architectures")),
            handler=self.text(properties, "Handler", required=False),
            layers=self.layers(logical_id, properties.get("Layers", [])),
            memory_mb=_as_int(self.number(logical_id, properties, "MemorySize",
                                          DEFAULT_MEMORY_MB)),
            timeout_s=self.number(logical_id, properties, "Timeout", DEFAULT_TIMEOUT_S),
            env=self.env(logical_id, properties.get("Environment")),
            managed_instances=_on_managed_instances(properties),
        )

    def text(self, properties: Mapping[str, Any], key: str, *, required: bool) -> str | None:
        """The literal value of `key`; raises _Skip when needed but unknown before deploy."""
        if key not in properties:
            if required:
                raise _Skip(f"no {key}")
            return None
        self.unbounded = False
        value = self.literal(properties[key])
        if value is None and self.unbounded:
            raise _Skip(f"{key} is {show(properties[key])}, which cannot be resolved here (it "
                        "refers to itself, or nests or grows too far)")
        if value is None:
            raise _Skip(f"{key} is {show(properties[key])}, which has no value before "
                        f"deployment{_ref_hint(properties[key])}")
        return value

    def code_location(self, logical_id: str, properties: Mapping[str, Any], kind: str) -> Path:
        built = self.built(logical_id)
        if built is not None:
            return built
        if "InlineCode" in properties or "ZipFile" in _mapping(properties.get("Code")):
            raise _Skip("inline code")
        if kind == SERVERLESS_FUNCTION:  # SAM CLI reads a missing CodeUri as "."
            return self.local_path("CodeUri", properties.get("CodeUri", "."))
        if "Code" not in properties:
            raise _Skip("no Code")
        return self.local_path("Code", properties["Code"])

    def built(self, logical_id: str) -> Path | None:
        folder = self.base_dir / BUILD_DIR / logical_id
        if not folder.is_dir():
            return None
        self.note(logical_id, f"using the sam build output {BUILD_DIR / logical_id}")
        return folder

    def local_path(self, key: str, value: Any) -> Path:
        """A local code location; raises _Skip for S3, a registry or an unresolvable value,
        and _Refuse for a path outside the template's folder (unless allowed)."""
        if isinstance(value, dict) and _intrinsic(value) is None:
            raise _Skip(f"{key} is in S3 ({_location(value)})")
        text = self.literal(value)
        if text is None:
            raise _Skip(f"{key} is {show(value)}, which has no value before "
                        f"deployment{_ref_hint(value)}")
        if text.startswith("s3://"):
            raise _Skip(f"{key} is in S3 ({text})")
        path = self.base_dir / text
        if not self.allow_outside and not _inside(path, self.base_dir):
            raise _Refuse(f"{key} {text} is outside the template's folder {self.base_dir}; "
                          "not read",
                          hint="pass --allow-outside-paths (or set allow-outside-paths = true "
                               "in the lambdacheck config) to read code outside it")
        return path

    def arches(self, logical_id: str, value: Any) -> tuple[str, ...] | None:
        if value is None:
            return (DEFAULT_ARCH.value,)
        items = value if isinstance(value, list) else [value]
        arches = [self.literal(item) for item in items]
        if not arches or None in arches:
            self.note(logical_id, f"Architectures is {show(value)}; using the command line "
                                  "or config arch")
            return None
        return tuple(arch for arch in arches if arch is not None)

    def number(self, logical_id: str, properties: Mapping[str, Any], key: str,
               default: float) -> float | None:
        if key not in properties:
            return default
        value = _finite(self.literal(properties[key]))
        if value is None:
            self.note(logical_id, f"{key} is {show(properties[key])}; using the command line "
                                  "or config value")
        return value

    def env(self, logical_id: str, environment: Any) -> tuple[tuple[str, str], ...]:
        pairs = []
        for name, value in _mapping(_mapping(environment).get("Variables")).items():
            text = self.literal(value)
            if text is None:
                self.note(logical_id, f"environment variable {name} is {show(value)}, known "
                                      "only after deployment; left unset")
                continue
            pairs.append((str(name), text))
        return tuple(pairs)

    # -- layers ---------------------------------------------------------------------------

    def layers(self, logical_id: str, value: Any) -> tuple[Path, ...]:
        items = value if isinstance(value, list) else [value]
        paths = (self.layer(logical_id, item) for item in items)
        return tuple(path for path in paths if path is not None)

    def layer(self, logical_id: str, value: Any) -> Path | None:
        intrinsic = _intrinsic(value)
        target = intrinsic.value if intrinsic is not None and intrinsic.name == "Ref" else None
        resource = self.resources.get(target) if isinstance(target, str) else None
        if isinstance(resource, dict) and resource.get("Type") in LAYER_TYPES:
            return self.layer_content(str(target), resource)
        arn = self.literal(value)
        self.note(logical_id, f"remote layer {arn or show(value)} not checked")
        return None

    def layer_content(self, layer_id: str, resource: Mapping[str, Any]) -> Path | None:
        built = self.built(layer_id)
        if built is not None:
            return built
        properties = _mapping(resource.get("Properties"))
        key = "ContentUri" if resource.get("Type") == LAYER_TYPES[0] else "Content"
        try:
            if key not in properties:
                raise _Skip(f"no {key}")
            return self.local_path(key, properties[key])
        except _Skip as skip:
            self.note(layer_id, f"{skip}; layer not checked")
            return None


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` (symbolic links followed, `..` applied) lies in `folder`."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop: not provably inside
        return False


def _ref_hint(value: Any) -> str:
    intrinsic = _intrinsic(value)
    is_ref = intrinsic is not None and intrinsic.name == "Ref"
    return " (give the parameter a Default)" if is_ref else ""


def _finite(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _on_managed_instances(properties: Mapping[str, Any]) -> bool | None:
    """True when the function runs on Lambda Managed Instances: a CapacityProviderConfig
    (AWS::Lambda::Function and AWS::Serverless::Function, runtimes/sources-curated.toml S57)."""
    return True if "CapacityProviderConfig" in properties else None


def _as_int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _location(value: Mapping[str, Any]) -> str:
    bucket = value.get("Bucket", value.get("S3Bucket"))
    key = value.get("Key", value.get("S3Key"))
    if bucket is not None and key is not None:
        return f"s3://{show(bucket)}/{show(key)}"
    return ", ".join(str(k) for k in value)
