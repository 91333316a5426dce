#!/usr/bin/env bash
# Start dockerd when no engine answers, and wait (bounded) until `docker info` does.
# Its output goes to a log file, never to the caller's stdout: a background process holding
# CI's stdout would keep CI waiting. No bridge and no iptables: the runner uses host networking.
# Env: LAMBDACHECK_DOCKERD_LOG (default /tmp/lambdacheck-dockerd.log), LAMBDACHECK_DOCKERD_WAIT (s, 60),
#      LAMBDACHECK_DOCKERD_PID (default /tmp/lambdacheck-dockerd.pid: where dockerd's pid is written)
set -euo pipefail

log=${LAMBDACHECK_DOCKERD_LOG:-/tmp/lambdacheck-dockerd.log}
wait_s=${LAMBDACHECK_DOCKERD_WAIT:-60}
pid_file=${LAMBDACHECK_DOCKERD_PID:-/tmp/lambdacheck-dockerd.pid}

if docker info >/dev/null 2>&1; then
    echo "start_docker: engine already reachable" >&2
    exit 0
fi
command -v dockerd >/dev/null || { echo "start_docker: dockerd not installed" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "start_docker: dockerd needs root" >&2; exit 1; }

setsid dockerd --bridge=none --iptables=false --ip-forward=false </dev/null >"$log" 2>&1 &
echo "$!" >"$pid_file"
echo "start_docker: dockerd started (pid $!, in $pid_file), log: $log" >&2
for _ in $(seq 1 "$wait_s"); do
    if docker info >/dev/null 2>&1; then
        echo "start_docker: engine ready" >&2
        exit 0
    fi
    sleep 1
done
echo "start_docker: no answer from dockerd after ${wait_s} s; see $log" >&2
tail -n 20 "$log" >&2 || true
exit 1
