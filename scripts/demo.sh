#!/usr/bin/env bash
# Install lambdacheck and check the shipped examples: one passes, one fails (on purpose).
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check . 2>&1 | grep -v '^WARNING: ' || true
set -x
lambdacheck check examples/python-hello --runtime python3.12 --handler app.handler
lambdacheck check examples/shell-runtime --runtime provided.al2023 --runtime provided.al2
lambdacheck check examples/broken-python --runtime python3.11 --handler app.handler \
  --junit lambdacheck-junit.xml
code=$?
{ set +x; } 2>/dev/null
echo "(the last check fails on purpose: exit code $code; JUnit in lambdacheck-junit.xml)"
