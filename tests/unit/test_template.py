"""SAM / CloudFormation discovery on the real templates in tests/data/templates/."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import ConfigError, InputError
from checker.options import Unresolved
from checker.project_config import FunctionSpec
from checker.template import TEMPLATE_CAP, Intrinsic, TemplateLoader, load_template

TEMPLATES = (Path(__file__).parent.parent / "data" / "templates").absolute()
SAM_APP = TEMPLATES / "sam-app"
BUILT = TEMPLATES / "built"
BUILD_DIR = BUILT / ".aws-sam" / "build"
T = TypeVar("T")


def test_sam_template_functions_with_globals_parameters_and_local_layers() -> None:
    found = load_template(SAM_APP / "template.yaml")

    assert found.functions == (
        FunctionSpec(
            name="HelloFunction",
            artifact=SAM_APP / "hello",
            runtimes=("python3.12",),  # Globals: !Ref RuntimeParam -> its Default
            arches=("arm64",),  # the function's Architectures replace the global list
            handler="app.handler",
            layers=(SAM_APP / "layers/deps",),  # global !Ref DepsLayer; remote ARNs noted
            memory_mb=1024,  # !FindInMap [Sizes, !Ref StageName, Memory]
            timeout_s=10.0,
            env=(("STAGE", "prod"), ("LOG_LEVEL", "DEBUG"), ("GREETING", "hello-prod"),
                 ("SUB_LITERAL", "prod-orders"), ("FLAG", "true"), ("COUNT", "3")),
        ),
        FunctionSpec(
            name="WorkerFunction",
            artifact=SAM_APP / "dist/worker.zip",
            runtimes=("nodejs20.x",),
            arches=("x86_64",),
            handler="index.handler",
            layers=(SAM_APP / "layers/deps",),
            memory_mb=128,
            timeout_s=30.0,
            env=(("STAGE", "prod"), ("LOG_LEVEL", "INFO")),
        ),
        FunctionSpec(
            name="PlainFunction",
            artifact=SAM_APP / "plain",
            runtimes=("provided.al2023",),
            arches=("arm64",),
            handler="bootstrap",
            layers=(SAM_APP / "layers/plain.zip",),
            memory_mb=256,
            timeout_s=3.0,
            env=(("A", "1"),),
        ),
    )


def test_sam_template_notes_say_what_was_left_out_and_why() -> None:
    notes = load_template(SAM_APP / "template.yaml").notes

    assert notes == (
        ("HelloFunction: remote layer arn:aws:lambda:us-east-1:123456789012:layer:shared:4 "
        "not checked"),
        ("HelloFunction: remote layer !Sub arn:aws:lambda:${AWS::Region}:123456789012:"
        "layer:extra:1 not checked"),
        ("HelloFunction: environment variable TABLE is !Ref DataTable, known only after "
        "deployment; left unset"),
        ("HelloFunction: environment variable QUEUE_URL is !GetAtt Queue.QueueUrl, known only "
        "after deployment; left unset"),
        ("HelloFunction: environment variable ENCODED is !Base64 abc, known only after "
        "deployment; left unset"),
        ('HelloFunction: environment variable PICK is !Select [0, !Split [",", "a,b"]], known '
        "only after deployment; left unset"),
        ('HelloFunction: environment variable ZONE is !Select [0, !GetAZs ""], known only after '
        "deployment; left unset"),
        ("HelloFunction: environment variable IMPORTED is !ImportValue shared-vpc, known only "
        "after deployment; left unset"),
        ('HelloFunction: environment variable SUBNET is !Select [0, !Cidr ["10.0.0.0/16", 2, '
        '8]], known only after deployment; left unset'),
        ('HelloFunction: environment variable MODE is !If ["IsProd", "fast", "safe"], known '
        "only after deployment; left unset"),
        ("NoDefaultFunction: Runtime is !Ref NoDefaultParam, which has no value before "
        "deployment (give the parameter a Default); not checked"),
        ("ImageFunction: a container image with no local image: build it (sam build) or name "
         "it with --image-function ImageFunction=docker-daemon:NAME:TAG; not checked"),
        "S3Function: CodeUri is in S3 (s3://my-bucket/code.zip); not checked",
        "S3ObjectFunction: CodeUri is in S3 (s3://my-bucket/code.zip); not checked",
        "S3CodeFunction: Code is in S3 (s3://my-bucket/code.zip); not checked",
        "InlineFunction: inline code; not checked",
    )


def test_sam_build_output_next_to_the_template_is_used() -> None:
    found = load_template(BUILT / "template.yaml")

    assert found.functions == (
        FunctionSpec(name="HelloFunction", artifact=BUILD_DIR / "HelloFunction",
                     runtimes=("python3.12",), arches=("x86_64",), handler="app.handler",
                     layers=(BUILD_DIR / "DepsLayer",), memory_mb=128, timeout_s=3.0, env=()),
        FunctionSpec(name="OtherFunction", artifact=BUILT / "other",
                     runtimes=("python3.12",), arches=("x86_64",), handler="app.handler",
                     layers=(), memory_mb=128, timeout_s=3.0, env=()),
    )
    assert found.notes == (
        "HelloFunction: using the sam build output .aws-sam/build/HelloFunction",
        "DepsLayer: using the sam build output .aws-sam/build/DepsLayer",
    )


def test_the_built_template_itself_points_into_the_build_folder() -> None:
    found = load_template(BUILD_DIR / "template.yaml")

    assert found.functions == (
        FunctionSpec(name="HelloFunction", artifact=BUILD_DIR / "HelloFunction",
                     runtimes=("python3.12",), arches=("x86_64",), handler="app.handler",
                     layers=(BUILD_DIR / "DepsLayer",), memory_mb=128, timeout_s=3.0, env=()),
    )
    assert found.notes == ()


def test_json_template_with_long_form_intrinsics() -> None:
    folder = TEMPLATES / "cloudformation-json"
    found = load_template(folder / "template.json")

    assert found.functions == (
        FunctionSpec(name="ApiFunction", artifact=folder / "build/api.zip",
                     runtimes=("nodejs22.x",), arches=("arm64",), handler="index.handler",
                     layers=(), memory_mb=512, timeout_s=15.0, env=(("NAME", "api"),)),
    )
    assert found.notes == (
        ("ApiFunction: remote layer !Sub arn:aws:lambda:${AWS::Region}:123456789012:layer:"
        "otel:2 not checked"),
        ("ApiFunction: environment variable REGION is !Ref AWS::Region, known only after "
        "deployment; left unset"),
        ('HandlerFromNowhere: Handler is !GetAtt ["Somewhere", "Handler"], which has no value '
        "before deployment; not checked"),
    )


def test_short_form_tags_become_intrinsics() -> None:
    # Conditions are parsed (not evaluated); the tags must load into Intrinsic objects.
    text = (SAM_APP / "template.yaml").read_text(encoding="utf-8")
    document = yaml.load(text, Loader=TemplateLoader)  # a SafeLoader subclass
    assert document["Conditions"]["NotProd"] == Intrinsic("Fn::Not",
                                                          [Intrinsic("Condition", "IsProd")])
    assert document["Conditions"]["Either"] == Intrinsic(
        "Fn::Or", [Intrinsic("Condition", "IsProd"), Intrinsic("Condition", "NotProd")])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources: [unclosed\n", "invalid YAML: did not find expected ',' or ']' (line 2)"
         if yaml.__with_libyaml__ else   # libyaml's parser words it so; the pure-Python one:
         "invalid YAML: expected ',' or ']', but got '<stream end>'"),
        ("Resources:\n  Fn: !Bogus x\n", ("invalid YAML: could not determine a constructor for "
                                        "the tag '!Bogus' (line 2)")),
        ("- a\n- b\n", "not a CloudFormation/SAM template (not a mapping)"),
        ("Description: nothing\n", "not a CloudFormation/SAM template (no Resources mapping)"),
        ('{"Resources": [}', "invalid JSON at line 1: Expecting value"),
    ],
)
def test_bad_templates_are_one_line_config_errors(tmp_path: Path, text: str,
                                                  message: str) -> None:
    path = write(tmp_path, "template.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_template(path)
    assert caught.value.message.startswith(f"{path}: {message}")
    assert "\n" not in caught.value.message


def test_missing_code_defaults_for_sam_only(tmp_path: Path) -> None:
    path = write(tmp_path, "template.yaml", """\
Resources:
  Sam:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs22.x, Handler: index.handler}
  Plain:
    Type: AWS::Lambda::Function
    Properties: {Runtime: nodejs22.x, Handler: index.handler}
""")
    found = load_template(path)
    assert [(spec.name, spec.artifact) for spec in found.functions] == [("Sam", tmp_path)]
    assert found.notes == ("Plain: no Code; not checked",)


def test_missing_template_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read template"):
        load_template(tmp_path / "template.yaml")


def test_unresolvable_architecture_and_memory_fall_back_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path, "template.yaml", """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Code: src
      Architectures: [!Ref ArchParam]
      MemorySize: lots
      Timeout: .inf
""")
    found = load_template(path)
    assert found.functions == (
        FunctionSpec(name="Fn", artifact=tmp_path / "src", runtimes=("python3.13",),
                     arches=None, handler="app.handler", layers=(), memory_mb=None,
                     timeout_s=None, env=()),
    )
    assert found.notes == (
        'Fn: Architectures is [!Ref ArchParam]; using the command line or config arch',
        "Fn: MemorySize is lots; using the command line or config value",
        "Fn: Timeout is inf; using the command line or config value",
    )


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["Ref", "Fn::Sub", "Fn::Join", "Fn::FindInMap",
                                         "Fn::GetAtt", "Bucket", "Key", "Variables",
                                         "ZipFile", "S3Bucket"]), inner, max_size=2),
    ),
    max_leaves=8,
)
PROPERTIES = st.dictionaries(
    st.sampled_from(["Runtime", "Handler", "CodeUri", "Code", "Architectures", "Layers",
                     "MemorySize", "Timeout", "Environment", "PackageType", "InlineCode",
                     "ContentUri", "Content"]),
    VALUES, max_size=6)
RESOURCE = st.fixed_dictionaries({
    "Type": st.sampled_from(["AWS::Serverless::Function", "AWS::Lambda::Function",
                             "AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"]),
    "Properties": st.one_of(PROPERTIES, VALUES)})


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(resources=st.dictionaries(st.sampled_from(["A", "B", "Layer"]), RESOURCE, max_size=3),
       globals_=st.one_of(st.none(), PROPERTIES), parameters=VALUES)
def test_any_template_shape_gives_specs_or_notes_never_a_crash(
        tmp_path: Path, resources: dict[str, object], globals_: object,
        parameters: object) -> None:
    document = {"Parameters": parameters, "Globals": {"Function": globals_},
                "Resources": resources}
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    found = load_template(path)
    assert all(isinstance(note, str) for note in found.notes)
    assert all(spec.runtimes is None or all(isinstance(r, str) for r in spec.runtimes)
               for spec in found.functions)


IMAGE_TEMPLATE = """
Resources:
  Tagged:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      Architectures: [arm64]
      MemorySize: 512
    Metadata:
      DockerTag: python3.12-v1
      DockerContext: ./app
      Dockerfile: Dockerfile
  Remote:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
  Built:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: builtfunction:latest
"""


def test_image_functions_from_local_images(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(IMAGE_TEMPLATE)
    found = load_template(template, {"Remote": "docker-archive:/tmp/app.tar"})
    by_name = {spec.name: spec for spec in found.functions}
    assert str(by_name["Tagged"].artifact) == "docker-daemon:tagged:python3.12-v1"
    assert by_name["Tagged"].arches == ("arm64",)
    assert by_name["Tagged"].memory_mb == 512
    assert str(by_name["Remote"].artifact) == "docker-archive:/tmp/app.tar"
    assert str(by_name["Built"].artifact) == "docker-daemon:builtfunction:latest"
    assert found.notes == ()


# ---- hostile templates: bounded in time and memory, one-line errors ----------------------

def bounded(call: Callable[[], T], seconds: float = 30.0) -> T:
    """call() in a daemon thread; a hang fails the test instead of stalling the suite."""
    box: list[T] = []
    errors: list[Exception] = []

    def target() -> None:
        try:
            box.append(call())
        except Exception as error:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if errors:
        raise errors[0]
    return box[0]


# 9 levels of 9 aliases: 659 bytes of YAML standing for 9**9 (387 million) strings.
BOMB_LEVELS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True))
BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BOMB_LEVELS


@pytest.mark.parametrize("where", ["Runtime: *i", "Environment: {Variables: {A: *i}}",
                                   "Layers: *i", "Architectures: *i", "MemorySize: *i"])
def test_an_alias_bomb_is_never_rendered_in_full(tmp_path: Path, where: str) -> None:
    path = write(tmp_path, "template.yaml", BOMB + f"""\
Globals:
  Function:
    Environment: {{Variables: {{G: *i}}}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      {'Runtime: python3.12' if not where.startswith('Runtime') else ''}
      {where}
""")
    assert len(BOMB) < 700
    found = bounded(lambda: load_template(path))
    assert found.notes, "the bomb must be reported, not used"
    assert all(len(note) < 300 for note in found.notes)
    assert any('[["lol", "lol"' in note or "[[[" in note for note in found.notes)


def test_show_stops_at_its_cut_on_a_self_referencing_tree(tmp_path: Path) -> None:
    path = write(tmp_path, "template.yaml", """\
Globals:
  Function: &g {Environment: {Variables: *g}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: &p {CodeUri: src, Runtime: python3.12, Handler: app.handler,
                    Environment: {Variables: *p}, Layers: &l [*l]}
""")
    found = bounded(lambda: load_template(path))
    (spec,) = found.functions
    assert spec.runtimes == ("python3.12",)
    assert [note.split(" is ")[0] for note in found.notes] == [
        "Fn: remote layer " + "[" * 76 + "[... not checked",
        "Fn: environment variable Environment", "Fn: environment variable Layers"]
    assert all(len(note) < 200 for note in found.notes)


@pytest.mark.parametrize("parameters", [
    "A: {Default: !Ref A}",
    "A: {Default: !Ref B}\n  B: {Default: !Sub '${A}-x'}",
    "A: {Default: !Join ['', [!Ref B, x]]}\n  B: {Default: !Sub ['${X}', {X: !Ref A}]}",
])
def test_ref_and_sub_cycles_end_with_a_note(tmp_path: Path, parameters: str) -> None:
    path = write(tmp_path, "template.yaml", f"""\
Parameters:
  {parameters}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: src, Runtime: !Ref A, Handler: app.handler}}
""")
    found = bounded(lambda: load_template(path))
    assert found.functions == ()
    assert found.notes == (("Fn: Runtime is !Ref A, which cannot be resolved here (it refers to "
                           "itself, or nests or grows too far); not checked"),)


def test_doubling_parameters_resolve_each_once_and_are_capped(tmp_path: Path) -> None:
    # P0 = P1 + P1, P1 = P2 + P2, ... : 2**60 characters if expanded, 60 Refs if resolved once.
    chain = "".join(f"  P{i}: {{Default: !Join ['', [!Ref P{i + 1}, !Ref P{i + 1}]]}}\n"
                    for i in range(60))
    path = write(tmp_path, "template.yaml", "Parameters:\n" + chain + """\
  P60: {Default: ab}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Runtime: python3.12, Handler: !Ref P0,
                 Environment: {Variables: {SMALL: !Ref P50}}}
""")
    found = bounded(lambda: load_template(path))
    assert found.functions == ()
    assert found.notes == (("Fn: Handler is !Ref P0, which cannot be resolved here (it refers "
                           "to itself, or nests or grows too far); not checked"),)


@pytest.mark.parametrize(("name", "text"), [
    ("deep.yaml", "Resources: " + "[" * 3000 + "]" * 3000 + "\n"),
    ("deep-map.yaml", "Resources: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"),
    ("deep.json", '{"Resources": ' + "[" * 3000 + "]" * 3000 + "}"),
])
def test_deep_nesting_is_a_config_error_not_a_recursion_error(tmp_path: Path, name: str,
                                                               text: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(ConfigError) as caught:
        bounded(lambda: load_template(path))
    assert caught.value.message == f"{path}: nested too deeply to read"


def test_deep_intrinsics_within_the_parser_limit_are_cut(tmp_path: Path) -> None:
    # 200 nested !Join parse fine (JSON) but are deeper than the resolver follows.
    value: object = "python3.12"
    for _ in range(200):
        value = {"Fn::Join": ["", [value]]}
    document = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
        "CodeUri": "src", "Handler": "app.handler", "Runtime": value}}}}
    path = write(tmp_path, "template.json", json.dumps(document))
    found = bounded(lambda: load_template(path))
    assert found.functions == ()
    assert found.notes[0].startswith("Fn: Runtime is !Join [\"\", [!Join")
    assert "cannot be resolved here" in found.notes[0]


@pytest.mark.parametrize("name", ["template.yaml", "template.json"])
def test_an_integer_too_long_for_python_is_a_config_error(tmp_path: Path, name: str) -> None:
    digits = "1" * 5000
    text = (f'{{"Resources": {{"Fn": {{"Properties": {{"MemorySize": {digits}}}}}}}}}'
            if name.endswith(".json") else f"Resources:\n  Fn: {{MemorySize: {digits}}}\n")
    path = write(tmp_path, name, text)
    with pytest.raises(ConfigError, match="a value cannot be read: Exceeds the limit"):
        load_template(path)


def test_a_template_over_the_cap_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    line = "# " + "x" * 1021 + "\n"  # 1 KiB of comment per line
    path.write_text("Resources: {}\n" + line * (TEMPLATE_CAP // len(line)), encoding="utf-8")
    assert path.stat().st_size > TEMPLATE_CAP
    with pytest.raises(InputError) as caught:
        bounded(lambda: load_template(path), seconds=10)
    assert caught.value.message == (f"cannot read template {path}: larger than 4 MiB; "
                                     "refusing to read it")


def test_a_fifo_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "template.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO"):
        bounded(lambda: load_template(fifo), seconds=10)


# ---- code outside the template's folder ----------------------------------------------------

OUTSIDE = """\
Resources:
  Up:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../shared, Runtime: python3.12, Handler: app.handler}
  Absolute:
    Type: AWS::Lambda::Function
    Properties: {Code: /, Runtime: python3.12, Handler: app.handler, Architectures: [arm64]}
  WithLayer:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Runtime: python3.12, Handler: app.handler,
                 Layers: [!Ref UpLayer]}
  UpLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: ../../etc}
  Inside:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./src/../src, Runtime: python3.12, Handler: app.handler}
"""


def test_code_outside_the_template_folder_is_refused_per_function(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    path = write(folder, "template.yaml", OUTSIDE)
    found = load_template(path)

    assert [spec.name for spec in found.functions] == ["Inside"]
    hint = ("pass --allow-outside-paths (or set allow-outside-paths = true in the lambdacheck "
            "config) to read code outside it")
    assert found.unresolved == (
        Unresolved(name="Up", source=path, message=f"CodeUri ../shared is outside the "
                   f"template's folder {folder}; not read", hint=hint,
                   runtime="python3.12", arch="x86_64"),
        Unresolved(name="Absolute", source=path, message=f"Code / is outside the template's "
                   f"folder {folder}; not read", hint=hint, runtime="python3.12", arch="arm64"),
        Unresolved(name="WithLayer", source=path, message=f"ContentUri ../../etc is outside "
                   f"the template's folder {folder}; not read", hint=hint,
                   runtime="python3.12", arch="x86_64"),
    )


def test_code_outside_is_read_when_allowed(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    path = write(folder, "template.yaml", OUTSIDE)
    found = load_template(path, allow_outside=True)
    assert found.unresolved == ()
    by_name = {spec.name: spec for spec in found.functions}
    assert by_name["Up"].artifact == folder / "../shared"
    assert by_name["Absolute"].artifact == Path("/")
    assert by_name["WithLayer"].layers == (folder / "../../etc",)
