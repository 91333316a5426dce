#!/usr/bin/env bash
# Start a local container registry (Debian's docker-registry, the CNCF distribution) bound to
# 127.0.0.1 only, detached, with its log in a file; wait (bounded) until /v2/ answers.
# Stop it with: kill "$(cat "$LAMBDACHECK_REGISTRY_PID")".
# Env: LAMBDACHECK_REGISTRY_PORT (default 5000), LAMBDACHECK_REGISTRY_DIR (storage, default
#      /tmp/lambdacheck-registry), LAMBDACHECK_REGISTRY_LOG (default /tmp/lambdacheck-registry.log),
#      LAMBDACHECK_REGISTRY_PID (default /tmp/lambdacheck-registry.pid).
set -euo pipefail

port=${LAMBDACHECK_REGISTRY_PORT:-5000}
dir=${LAMBDACHECK_REGISTRY_DIR:-/tmp/lambdacheck-registry}
log=${LAMBDACHECK_REGISTRY_LOG:-/tmp/lambdacheck-registry.log}
pid_file=${LAMBDACHECK_REGISTRY_PID:-/tmp/lambdacheck-registry.pid}
url="http://127.0.0.1:${port}/v2/"

if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
    echo "start_registry: a registry already answers on 127.0.0.1:${port}" >&2
    exit 0
fi
command -v docker-registry >/dev/null || { echo "start_registry: docker-registry not installed" >&2; exit 1; }
mkdir -p "$dir/storage"
cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
YAML
setsid docker-registry serve "$dir/config.yml" </dev/null >"$log" 2>&1 &
echo "$!" >"$pid_file"
echo "start_registry: registry started (pid $!, in $pid_file) on 127.0.0.1:${port}, log: $log" >&2
for _ in $(seq 1 30); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
        echo "start_registry: registry ready" >&2
        exit 0
    fi
    sleep 0.5
done
echo "start_registry: no answer on $url after 15 s; see $log" >&2
tail -n 20 "$log" >&2 || true
exit 1
