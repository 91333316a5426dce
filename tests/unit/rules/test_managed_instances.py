"""Lambda Managed Instances: a function with a CapacityProviderConfig (or --managed-instances)
is judged by their memory range, 2,048-32,768 MB (runtimes/limits.toml: S54, S56), not the
standard 128-10,240 MB; the timeout range is the standard one (S55). Real ZIPs, real templates,
the shipped catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.options import ExecOptions, Target
from checker.static import check_targets
from checker.template import load_template
from tests.build.check import TODAY, errors
from tests.build.runtimes import runtime
from tests.build.zips import File, make_zip

BOOT = File("bootstrap", b"#!/bin/sh\necho hi\n", mode=0o755)


def limits(tmp_path: Path, settings: ExecOptions, *, managed: bool) -> list[str]:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT])
    target = Target(artifact=artifact, runtime=runtime(), arch="x86_64",
                    managed_instances=managed)
    (result,) = check_targets([target], today=TODAY, jobs=1, execute=settings,
                              limits=load_catalog().limits)
    return [f.message for f in errors(result, "limits")]


def test_the_managed_instances_limits_are_in_the_catalog() -> None:
    catalog = load_catalog()
    low, high = (catalog.limits[f"managed_instances_memory_mb_{end}"] for end in ("min", "max"))
    assert (low.value, low.unit, low.sources) == (2048, "MB", ("S54",))
    assert (high.value, high.unit, high.sources) == (32768, "MB", ("S56",))
    assert catalog.sources["S54"].url == \
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-best-practices.html"
    assert catalog.sources["S56"].title.startswith("Third party, not AWS")


@pytest.mark.parametrize(("memory", "managed", "message"), [
    (16384, False, "memory 16384 MB is outside Lambda's 128–10,240 MB [S52]"),
    (1024, True, ("memory 1024 MB is outside Lambda Managed Instances' 2,048–32,768 MB "
                 "[S54, S56]")),
    (32769, True, ("memory 32769 MB is outside Lambda Managed Instances' 2,048–32,768 MB "
                  "[S54, S56]")),
])
def test_memory_outside_the_range_that_applies(tmp_path: Path, memory: int, managed: bool,
                                               message: str) -> None:
    (found,) = limits(tmp_path, ExecOptions(memory_mb=memory), managed=managed)
    assert message in found


@pytest.mark.parametrize("memory", [2048, 16384, 32768])
def test_memory_inside_the_managed_instances_range_passes(tmp_path: Path, memory: int) -> None:
    assert limits(tmp_path, ExecOptions(memory_mb=memory), managed=True) == []


def test_the_run_may_say_so_for_every_target(tmp_path: Path) -> None:
    settings = ExecOptions(memory_mb=16384, managed_instances=True)
    assert limits(tmp_path, settings, managed=False) == []


def test_the_timeout_range_stays_the_standard_one(tmp_path: Path) -> None:
    (found,) = limits(tmp_path, ExecOptions(memory_mb=4096, timeout_s=901), managed=True)
    assert "timeout 901 s is outside Lambda's 1–900 s [S52]" in found


TEMPLATE = """\
Resources:
  OnInstances:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn.zip
      Runtime: python3.13
      Handler: app.handler
      MemorySize: 16384
      CapacityProviderConfig:
        Arn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:mine
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Code: fn.zip
      Runtime: python3.13
      Handler: app.handler
  Raw:
    Type: AWS::Lambda::Function
    Properties:
      Code: fn.zip
      Runtime: python3.13
      Handler: app.handler
      CapacityProviderConfig:
        LambdaManagedInstancesCapacityProviderConfig:
          CapacityProviderArn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:mine
"""


def test_a_template_says_which_functions_run_on_managed_instances(tmp_path: Path) -> None:
    make_zip(tmp_path / "fn.zip", [File("app.py", b"def handler(e, c):\n    return 1\n")])
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    found = load_template(tmp_path / "template.yaml")
    by_name = {spec.name: spec for spec in found.functions}
    assert by_name["OnInstances"].managed_instances is True
    assert by_name["Raw"].managed_instances is True
    assert by_name["Plain"].managed_instances is None
    assert by_name["OnInstances"].memory_mb == 16384


def test_the_standard_default_memory_on_managed_instances_is_a_warning(tmp_path: Path) -> None:
    """128 MB is what a function with no MemorySize gets on standard Lambda; what Managed
    Instances default to is not documented, so it is a doubt to verify, not a rejection."""
    artifact = make_zip(tmp_path / "fn.zip", [BOOT])
    target = Target(artifact=artifact, runtime=runtime(), arch="x86_64", managed_instances=True)
    (result,) = check_targets([target], today=TODAY, jobs=1, execute=ExecOptions(memory_mb=128),
                              limits=load_catalog().limits)
    assert errors(result, "limits") == []
    (check,) = [c for c in result.checks if c.rule == "limits"]
    (finding,) = check.findings
    assert finding.severity.label == "warning"
    assert finding.message.startswith("memory is 128 MB, the default of standard functions; "
                                      "Lambda Managed Instances need at least 2,048 MB")
