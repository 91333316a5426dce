#!/usr/bin/env bash
# The main job on the shipped examples (examples/): install lambdacheck into a venv under the
# checkout (build/demo-venv, never the machine's site-packages), `check` them statically, then,
# when a Docker engine is reachable, `run` them in their runtime's emulator image. It ends with
# one failure on purpose and its JUnit file (build/demo/lambdacheck-junit.xml).
#
#   bash scripts/demo.sh
#
# Images: the catalog's public images, pulled as `lambdacheck run` pulls them; when they cannot
# be pulled (no registry reachable), the local stand-ins scripts/build_standins.sh builds,
# described to lambdacheck by tests/data/standins/*.toml (--runtime-file). An engine that is
# installed but stopped is started when we are root (scripts/start_docker.sh) and stopped at the
# end; with no engine, one line says how to get one and what `run` would have done.
# Exit code: 0 when every example did what it is shipped to do (the broken one failing), 1 when
# one did not, 2 when lambdacheck could not be installed.
# Env: LAMBDACHECK_DEMO_VENV (default build/demo-venv)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${LAMBDACHECK_DEMO_VENV:-$root/build/demo-venv}
out=$root/build/demo
junit=$out/lambdacheck-junit.xml
standins=tests/data/standins
standin_images=(lambdacheck-standin/python:bullseye lambdacheck-standin/provided:bullseye)
mkdir -p "$out"
rm -f "$junit"

started_dockerd=0
dockerd_pid=$out/dockerd.pid
cleanup() {
  if [ "$started_dockerd" = 1 ] && [ -f "$dockerd_pid" ]; then
    kill "$(cat "$dockerd_pid")" 2>/dev/null || true
    rm -f "$dockerd_pid"
  fi
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

# show ARGS...: prints `lambdacheck ARGS` as one would type it, then runs it.
show() {
  local arg shown=()
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@%+-]+$ ]]; then
      shown+=("$arg")
    else
      shown+=("'${arg//\'/\'\\\'\'}'")
    fi
  done
  printf '\n$ lambdacheck %s\n' "${shown[*]}"
  "$venv/bin/lambdacheck" "$@"
}

# expect CODE ARGS...: runs `lambdacheck ARGS`, says so when it does not exit with CODE.
unexpected=0
expect() {
  local want=$1 code
  shift
  show "$@"
  code=$?
  if [ "$code" != "$want" ]; then
    echo "demo: expected exit code $want here, got $code" >&2
    unexpected=1
  fi
}

# Editable, so the venv follows the checkout; installed again only when pyproject.toml changes.
stamp=$venv/.lambdacheck-demo-installed
wanted_stamp="$(sha256sum pyproject.toml | cut -c1-16) $root"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted_stamp" ]; then
  say "installing lambdacheck into $venv"
  if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv" >"$out/venv.log" 2>&1; then
    rm -rf "$venv"
    echo "demo: error: python3 -m venv failed (Debian/Ubuntu: apt-get install -y python3-venv); see $out/venv.log" >&2
    exit 2
  fi
  if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check -e . >"$out/pip.log" 2>&1; then
    grep -v '^WARNING: ' "$out/pip.log" | tail -n 5 >&2
    echo "demo: error: pip install failed; see $out/pip.log" >&2
    exit 2
  fi
  printf '%s' "$wanted_stamp" >"$stamp"
else
  say "lambdacheck installed in $venv (editable; again when pyproject.toml changes)"
fi
if ! "$venv/bin/lambdacheck" --version; then
  echo "demo: error: the installed lambdacheck does not start (above)" >&2
  exit 2
fi

say "1. static checks (lambdacheck check: no Docker needed)"
expect 0 check examples/python-hello --runtime python3.12 --handler app.handler
expect 0 check examples/shell-runtime --runtime provided.al2023 --runtime provided.al2

# engine: 0 when `docker info` answers (starting dockerd as root when it is installed);
# otherwise prints the one line on how to get one.
engine() {
  local would="\`lambdacheck run\` would have started each example in its runtime's emulator image under the Runtime Interface Emulator and invoked it with an event"
  if ! command -v docker >/dev/null; then
    echo "demo: no Docker engine, so no run: $would. To get one: apt-get install -y docker.io, then bash scripts/start_docker.sh as root (or Docker Desktop)."
    return 1
  fi
  timeout 20 docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
    echo "demo: starting the Docker engine (scripts/start_docker.sh; stopped again at the end)"
    started_dockerd=1  # set first: a start that fails half-way is still stopped
    LAMBDACHECK_DOCKERD_PID=$dockerd_pid LAMBDACHECK_DOCKERD_LOG=$out/dockerd.log \
      bash scripts/start_docker.sh && return 0
  fi
  echo "demo: the Docker engine is not running, so no run: $would. Start it: sudo systemctl start docker, or sudo bash scripts/start_docker.sh."
  return 1
}

ran=0
say "2. execution (lambdacheck run: the artifact in the runtime's emulator image, invoked)"
if engine; then
  python_new=(--runtime python3.12)
  python_old=(--runtime python3.11)
  provided=(--runtime provided.al2023)
  hello=(run examples/python-hello --handler app.handler --event '{"name": "demo"}'
         --expect '{"statusCode": 200}')
  # The first run pulls as a user's would; its error line says when no registry answers.
  show "${hello[@]}" "${python_new[@]}" 2> >(tee "$out/run.err" >&2)
  code=$?
  wait $! 2>/dev/null  # tee's last line is in run.err
  if [ "$code" = 2 ] && grep -q 'cannot be pulled' "$out/run.err"; then
    if docker image inspect "${standin_images[@]}" >/dev/null 2>&1; then
      echo "demo: the public image cannot be pulled here: running in the local stand-in images instead (${standin_images[*]}; scripts/build_standins.sh builds them, $standins/*.toml describe them)"
      python_new=(--runtime-file "$standins/python3.9.toml" --runtime standin-python3.9)
      python_old=("${python_new[@]}")
      provided=(--runtime-file "$standins/provided.toml" --runtime standin-provided)
      expect 0 "${hello[@]}" "${python_new[@]}"
      ran=1
    else
      echo "demo: the public image cannot be pulled here and there are no stand-in images, so no run: bash scripts/build_standins.sh (as root, a few minutes) builds them."
    fi
  else
    [ "$code" = 0 ] || { echo "demo: expected exit code 0 here, got $code" >&2; unexpected=1; }
    ran=1
  fi
  if [ "$ran" = 1 ]; then
    expect 0 run examples/shell-runtime "${provided[@]}" --event '{"hello": "lambda"}' \
      --expect '{"echo": {"hello": "lambda"}}'
  fi
fi

say "3. one failure on purpose (examples/broken-python: handler misnamed, a wheel for CPython 3.12)"
if [ "$ran" = 1 ]; then
  expect 1 run examples/broken-python "${python_old[@]}" --handler app.handler --junit "$junit"
else
  expect 1 check examples/broken-python --runtime python3.11 --handler app.handler --junit "$junit"
fi
if [ -f "$junit" ]; then
  say "JUnit: $junit (excerpt: the root and each failed testcase)"
  # the root element, then each failed testcase with its <failure> (lines clipped)
  awk '/<testsuites /{ sub(/^ +/, ""); print }
       /<testcase /{ match($0, /name="[^"]*"/); name = substr($0, RSTART, RLENGTH) }
       /<failure /{ sub(/^ +/, ""); sub(/>.*/, ">"); print "  <testcase " name "> " $0 }' "$junit" \
    | cut -c1-140
else
  echo "demo: no JUnit file at $junit" >&2
  unexpected=1
fi
if [ "$unexpected" = 0 ]; then
  echo
  echo "demo: every example did what it is shipped to do (the last one fails on purpose)"
fi
exit "$unexpected"
