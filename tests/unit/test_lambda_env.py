"""checker.lambda_env: the architecture names and Lambda's paths, variables and defaults."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from checker.errors import EXIT_ERROR, UsageError
from checker.lambda_env import (
    BOOTSTRAPS,
    LD_LIBRARY_PATH,
    LD_LIBRARY_PATH_DIRS,
    PATH,
    PATH_DIRS,
    Arch,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

OS_FILES = sorted((Path(__file__).resolve().parents[2] / "runtimes" / "os").glob("*.toml"))


@pytest.mark.parametrize(("name", "arch"), [
    ("x86_64", Arch.X86_64), ("amd64", Arch.X86_64), ("arm64", Arch.ARM64),
    ("aarch64", Arch.ARM64),
])
def test_parse_accepts_lambdas_names_and_the_aliases(name: str, arch: Arch) -> None:
    assert Arch.parse(name) is arch


@pytest.mark.parametrize("name", ["riscv64", "X86_64", "", "arm"])
def test_parse_refuses_other_names_in_one_line_naming_the_valid_ones(name: str) -> None:
    with pytest.raises(UsageError) as raised:
        Arch.parse(name)
    assert raised.value.exit_code == EXIT_ERROR == 2
    assert raised.value.message == f"unknown architecture {name!r}"
    assert raised.value.hint == "use --arch x86_64 or arm64"


def test_the_names_other_tools_use() -> None:
    assert (Arch.X86_64.gnu, Arch.X86_64.oci, Arch.X86_64.platform, Arch.X86_64.multiarch) == (
        "x86_64", "amd64", "linux/amd64", "x86_64-linux-gnu")
    assert (Arch.ARM64.gnu, Arch.ARM64.oci, Arch.ARM64.platform, Arch.ARM64.multiarch) == (
        "aarch64", "arm64", "linux/arm64", "aarch64-linux-gnu")


def test_lenient_lookups_pass_unknown_names_through() -> None:
    assert [Arch.lambda_name(n) for n in ("amd64", "aarch64", "arm64", "ppc64le")] == [
        "x86_64", "arm64", "arm64", "ppc64le"]
    assert [Arch.gnu_of(n) for n in ("arm64", "x86_64", "s390x")] == ["aarch64", "x86_64", "s390x"]
    assert [Arch.oci_of(n) for n in ("x86_64", "arm64", "ppc64le")] == ["amd64", "arm64", "ppc64le"]
    assert Arch.multiarch_dirs_of("arm64") == ("/lib/aarch64-linux-gnu",
                                               "/usr/lib/aarch64-linux-gnu")
    assert Arch.multiarch_dirs_of("riscv64") == ("/lib/riscv64-linux-gnu",
                                                 "/usr/lib/riscv64-linux-gnu")


def test_an_arch_is_spelled_as_lambdas_name_everywhere() -> None:
    arch = Arch.ARM64
    assert arch == "arm64"
    assert (str(arch), f"{arch}", f"{arch:>6}", ", ".join(Arch)) == (
        "arm64", "arm64", " arm64", "x86_64, arm64")
    assert json.dumps({"arch": arch}) == '{"arch": "arm64"}'
    assert Arch("x86_64") is Arch.X86_64


def test_path_variables_as_lambda_sets_them() -> None:
    assert PATH == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    assert PATH_DIRS == ("/var/lang/bin", "/usr/local/bin", "/usr/bin", "/bin", "/opt/bin")
    assert LD_LIBRARY_PATH == ("/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
                               "/var/task:/var/task/lib:/opt/lib")
    assert BOOTSTRAPS == ("/var/task/bootstrap", "/opt/bootstrap", "/var/runtime/bootstrap")


@pytest.mark.parametrize("os_file", OS_FILES, ids=lambda p: p.stem)
def test_ld_library_path_is_the_catalogs_for_every_amazon_linux(os_file: Path) -> None:
    data = tomllib.loads(os_file.read_text(encoding="utf-8"))
    for os_entry in data["os"].values():
        assert tuple(os_entry["ld_library_path"]) == LD_LIBRARY_PATH_DIRS
