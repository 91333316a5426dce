"""Lambda Managed Instances on the command line: a template's CapacityProviderConfig and
--managed-instances select their memory range (2,048-32,768 MB); real ZIPs, real templates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.build.zips import File, make_zip

ROOT = Path(__file__).resolve().parents[2]
APP = File("app.py", b"def handler(event, context):\n    return 1\n")
TEMPLATE = """\
Resources:
  Big:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn.zip
      Runtime: python3.13
      Handler: app.handler
      MemorySize: 16384
      CapacityProviderConfig:
        Arn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:mine
  Small:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn.zip
      Runtime: python3.13
      Handler: app.handler
      MemorySize: 1024
      CapacityProviderConfig:
        Arn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:mine
  Standard:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn.zip
      Runtime: python3.13
      Handler: app.handler
      MemorySize: 16384
"""


def lambdacheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, text=True,
                          capture_output=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def limit_messages(report: dict[str, object]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for target in report["targets"]:  # type: ignore[attr-defined]
        found[target["artifact"]] = [finding["message"] for check in target["checks"]
                                     if check["rule"] == "limits"
                                     for finding in check["findings"]]
    return found


def test_the_template_decides_per_function(tmp_path: Path) -> None:
    make_zip(tmp_path / "fn.zip", [APP])
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    done = lambdacheck("check", "--template", "template.yaml", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    found = limit_messages(json.loads(done.stdout))
    assert found["Big"] == []
    assert found["Small"] == [("memory 1024 MB is outside Lambda Managed Instances' "
                              "2,048–32,768 MB [S54, S56]: the deployment is rejected")]
    assert found["Standard"] == [("memory 16384 MB is outside Lambda's 128–10,240 MB [S52]: "
                                 "the deployment is rejected")]


def test_the_option_puts_every_function_on_managed_instances(tmp_path: Path) -> None:
    make_zip(tmp_path / "fn.zip", [APP])
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    done = lambdacheck("check", "--template", "template.yaml", "--format", "json",
                       "--managed-instances", cwd=tmp_path)
    found = limit_messages(json.loads(done.stdout))
    assert found["Standard"] == []
    assert found["Small"] != []
