#!/usr/bin/env bash
# What the test suite needs beyond `npm ci`: Debian's Chromium for the dashboard page tests and the Pulumi
# engine for the end-to-end Pulumi tests. Runs before `npm test`; quick when both are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "[test-prereqs] installing Debian's chromium for the dashboard page tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "[test-prereqs] /usr/bin/chromium is missing: install Debian's chromium package (sudo apt-get install chromium); the dashboard page tests drive it" >&2
    exit 1
  fi
fi

# Built once from the Go module proxy and cached outside the repository, with the Python and Go language
# hosts the SDK tests run their programs with.
bash scripts/pulumi-engine.sh --python --go
