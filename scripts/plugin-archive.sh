#!/usr/bin/env bash
# Makes the plugin archive `pulumi plugin install resource vmbackup VERSION --file ARCHIVE` installs:
# the npm package's own files (exactly what `npm pack` ships), its production dependencies for this
# platform, an executable pulumi-resource-vmbackup at the top, and PulumiPlugin.yaml.
#
#   npm run build && bash scripts/plugin-archive.sh [OUT_DIR]    (default OUT_DIR: dist/)
#
# Prints the archive's path. Dependencies come from npm's cache when it has them (--prefer-offline).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)"
log() { printf '[plugin-archive] %s\n' "$*" >&2; }
die() { printf '[plugin-archive] error: %s\n' "$*" >&2; exit 1; }

[[ -f "$ROOT/dist/provider/pulumi/main.js" && -f "$ROOT/dist/cjs/pulumi/index.js" ]] \
  || die "the compiled provider is missing: run 'npm run build' first"
VERSION="$(node -p "require('$ROOT/package.json').version")"
case "$(uname -m)" in
  x86_64 | amd64) ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac
OS="$(uname -s | tr '[:upper:]' '[:lower:]')"
NAME="pulumi-resource-vmbackup-v$VERSION-$OS-$ARCH.tar.gz"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PLUGIN="$WORK/plugin"
mkdir -p "$PLUGIN"

log "packing the npm package"
tgz="$(cd "$ROOT" && npm pack --silent --pack-destination "$WORK")"
tar -xzf "$WORK/$tgz" -C "$PLUGIN" --strip-components=1

# The engine runs `npm install` in the plugin's directory when it installs the plugin (PulumiPlugin.yaml's
# runtime is nodejs): with no dev dependencies, no scripts and the lockfile npm writes here, that finds
# everything already installed.
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  delete pkg.devDependencies;
  delete pkg.scripts;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$PLUGIN/package.json"
cp "$ROOT/package-lock.json" "$PLUGIN/package-lock.json"
printf 'audit=false\nfund=false\nprefer-offline=true\n' >"$PLUGIN/.npmrc"

log "installing production dependencies"
(cd "$PLUGIN" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2)
# better-sqlite3's native addon: the one this checkout built for this platform and Node (the archive is
# per platform), instead of compiling it again or fetching a prebuilt one.
addon="node_modules/better-sqlite3/build/Release/better_sqlite3.node"
[[ -f "$ROOT/$addon" ]] || die "$ROOT/$addon is missing: run 'npm ci' first"
mkdir -p "$PLUGIN/$(dirname "$addon")"
cp "$ROOT/$addon" "$PLUGIN/$addon"

cat >"$PLUGIN/PulumiPlugin.yaml" <<'YAML'
# vmbackup's resource provider: a Node.js program, started through the executable beside this file.
runtime: nodejs
YAML
cat >"$PLUGIN/pulumi-resource-vmbackup" <<'SH'
#!/bin/sh
# The engine runs this with its address as the last argument; the provider prints its port on stdout.
exec "$(dirname "$(readlink -f "$0")")/bin/pulumi-resource-vmbackup" "$@"
SH
chmod 0755 "$PLUGIN/pulumi-resource-vmbackup" "$PLUGIN/bin/pulumi-resource-vmbackup"

tar -czf "$OUT/$NAME" -C "$PLUGIN" .
log "wrote $OUT/$NAME ($(du -h "$OUT/$NAME" | cut -f1))"
echo "$OUT/$NAME"
