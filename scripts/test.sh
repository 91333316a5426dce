#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, then run it.
# Idempotent: what is installed or built already is skipped (images are cached by tag).
#   bash scripts/test.sh            # locally: docker/toolchain tests skip if unavailable
#   LAMBDACHECK_REQUIRE_DOCKER=1 LAMBDACHECK_REQUIRE_TOOLCHAINS=1 bash scripts/test.sh  # CI
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(docker.io musl-tools gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user-static
              binfmt-support debootstrap unzip curl skopeo docker-registry
              apache2-utils  # htpasswd -B: the registry needing credentials (runner/test_pull.py)
              libssl-dev zlib1g-dev libexpat1-dev libbz2-dev uuid-dev libsqlite3-dev libpq-dev
              libcrypt-dev)  # the -dev packages: what tests/unit/rules/test_live_verdicts.py links
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== installing lambdacheck and its test dependencies"
python3 -m pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v '^WARNING: ' || true

echo "== starting the Docker engine (if it is not running)"
started_dockerd=0
if ! docker info >/dev/null 2>&1; then
  bash scripts/start_docker.sh
  started_dockerd=1
fi
registry_pid=${LAMBDACHECK_REGISTRY_PID:-/tmp/lambdacheck-registry.pid}
started_registry=0
cleanup() {
  if [ "$started_registry" = 1 ] && [ -f "$registry_pid" ]; then
    kill "$(cat "$registry_pid")" 2>/dev/null || true
  fi
  if [ "$started_dockerd" = 1 ] && [ -f /tmp/lambdacheck-dockerd.pid ]; then
    kill "$(cat /tmp/lambdacheck-dockerd.pid)" 2>/dev/null || true
  fi
}
trap cleanup EXIT

echo "== starting the loopback registry (if it is not answering)"
export LAMBDACHECK_REGISTRY_PORT=${LAMBDACHECK_REGISTRY_PORT:-5000}
export LAMBDACHECK_REGISTRY=127.0.0.1:$LAMBDACHECK_REGISTRY_PORT  # the pull tests push here
if ! curl -fsS -o /dev/null --max-time 2 "http://$LAMBDACHECK_REGISTRY/v2/" 2>/dev/null; then
  rm -f "$registry_pid"  # stale: nothing answers
  started_registry=1  # set first: a start that fails half-way is still stopped
  bash scripts/start_registry.sh
fi

echo "== building the stand-in emulator images (cached by tag)"
bash scripts/build_standins.sh

echo "== lint and types"
python3 -m ruff check checker tests
python3 -m mypy

echo "== tests"
python3 -m pytest -q -p no:cacheprovider tests

# The main install above gets the newest versions the ranges allow; this venv gets the lowest
# (every `>=` floor of [project.dependencies] and the test extra, pinned), and runs the CLI's
# usage checks and the unit tests that need no engine there.
echo "== the lowest declared versions, in a second venv"
lowest=build/venv-lowest
mkdir -p build
python3 - >build/lowest-constraints.new <<'PY'
import tomllib
from packaging.requirements import Requirement
with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
for line in project["dependencies"] + project["optional-dependencies"]["test"]:
    req = Requirement(line)
    floors = [s.version for s in req.specifier if s.operator == ">="]
    if floors and (req.marker is None or req.marker.evaluate()):
        print(f"{req.name}=={floors[0]}")
PY
if ! cmp -s build/lowest-constraints.new "$lowest/constraints.txt"; then  # else: installed
  python3 -m venv --clear "$lowest"
  "$lowest/bin/python" -m pip install -q --disable-pip-version-check \
    -c build/lowest-constraints.new -e '.[test]' >build/venv-lowest.log 2>&1 \
    || { cat build/venv-lowest.log; exit 1; }
  mv build/lowest-constraints.new "$lowest/constraints.txt"
fi
"$lowest/bin/python" -m pip check
"$lowest/bin/python" -m pip freeze --exclude-editable | grep -iE '^(typer|click)=='
"$lowest/bin/python" -m pytest -q -p no:cacheprovider -m 'not docker and not qemu and not slow' \
  tests/unit tests/integration/test_cli_usage.py

# requires-python says >= 3.10, and the CI interpreter is 3.11: the oldest and the newest
# CPython this machine has (pyenv's) get a venv of their own with the newest dependencies and
# run the same engine-free tests (3.10 lacks typing.Self, 3.13's json and zipfile differ).
find_python() {  # on PATH, else one of pyenv's versions (its shims answer only the global one)
  if "python$1" -c 'import sys' >/dev/null 2>&1; then
    command -v "python$1"
    return
  fi
  local root found
  root=$(pyenv root 2>/dev/null) || return 0
  for found in "$root"/versions/"$1".*/bin/"python$1"; do
    if [ -x "$found" ]; then
      echo "$found"
      return 0
    fi
  done
  return 0
}
for version in 3.10 3.13; do
  python=$(find_python "$version")
  if [ -z "$python" ]; then
    echo "== Python $version: not on this machine, skipped"
    continue
  fi
  echo "== Python $version ($python), in a venv of its own"
  venv=build/venv-py$version
  "$python" -m venv --clear "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]' \
    >"build/venv-py$version.log" 2>&1 || { cat "build/venv-py$version.log"; exit 1; }
  "$venv/bin/python" -m pytest -q -p no:cacheprovider -m 'not docker and not qemu and not slow' \
    tests/unit tests/integration/test_cli_usage.py
done
