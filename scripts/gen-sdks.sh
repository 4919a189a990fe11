#!/usr/bin/env bash
# Generates the vmbackup SDKs for Python, Go, .NET and Node.js from schemas/pulumi/schema.json with
# Pulumi's own code generators (scripts/sdkgen, built once from the Go module proxy into a cache).
#
#   bash scripts/gen-sdks.sh [OUT_DIR] [LANGUAGES]    (default: dist/sdk, python,go,dotnet,nodejs)
#
# `pulumi package gen-sdk` would hand the schema to each language host; the proxy does not serve the
# hosts of this engine release (see scripts/pulumi-engine.sh), so this calls the same libraries.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/dist/sdk}"
LANGUAGES="${2:-python,go,dotnet,nodejs}"
CACHE="${VMBACKUP_SDKGEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmbackup/sdkgen}"
log() { printf '[gen-sdks] %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || { log "error: Go is required to build the code generator (no go on PATH)"; exit 1; }
mkdir -p "$CACHE"
# Rebuilt when its sources change.
stamp="$(cat "$ROOT/scripts/sdkgen/main.go" "$ROOT/scripts/sdkgen/go.mod" "$ROOT/scripts/sdkgen/go.sum" | sha256sum | cut -c1-16)"
bin="$CACHE/sdkgen-$stamp"
if [[ ! -x "$bin" ]]; then
  log "building the code generator (Pulumi's codegen from the Go module proxy); the first build takes minutes"
  (cd "$ROOT/scripts/sdkgen" && go build -o "$bin.tmp" . && mv "$bin.tmp" "$bin")
fi
VERSION="$(node -p "require('$ROOT/package.json').version")"
"$bin" -schema "$ROOT/schemas/pulumi/schema.json" -logo "$ROOT/schemas/pulumi/logo.png" -out "$OUT" -version "$VERSION" -languages "$LANGUAGES"
echo "$OUT"
