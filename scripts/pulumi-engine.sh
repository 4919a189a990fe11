#!/usr/bin/env bash
# Builds the Pulumi engine (pulumi, pulumi-language-nodejs, pulumi-language-yaml) from the Go module
# proxy, once, into a cache outside the repository: the official installer downloads a binary, which
# our machines cannot reach. A compatible `pulumi` already on PATH (with both language hosts) wins.
#
#   bash scripts/pulumi-engine.sh                  build what is missing, log what is built
#   bash scripts/pulumi-engine.sh --print-bin-dir  print the directory holding the three binaries
#   bash scripts/pulumi-engine.sh --python         also build pulumi-language-python, for Python programs
#   bash scripts/pulumi-engine.sh --python --go    ... and pulumi-language-go, for Go programs
#
# Environment: VMBACKUP_PULUMI_VERSION (default: the installed @pulumi/pulumi version),
# VMBACKUP_PULUMI_YAML_VERSION (default below), VMBACKUP_PULUMI_CACHE (default under XDG_CACHE_HOME).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# The newest tagged pulumi-yaml the module proxy serves; it speaks the engine's language protocol.
YAML_VERSION="${VMBACKUP_PULUMI_YAML_VERSION:-v1.25.0}"
# The last sdk/v3 release that still carried the language hosts inside the sdk module; used only
# when the proxy does not serve a host's own module (they have no tags, only pseudo-versions).
LANGUAGE_HOST_FALLBACK_SDK="v3.68.0"
# The Go host left the sdk module after v3.66.0.
GO_HOST_FALLBACK_SDK="v3.66.0"

log() { printf '[pulumi-engine] %s\n' "$*" >&2; }
die() { printf '[pulumi-engine] error: %s\n' "$*" >&2; exit 1; }

engine_version() {
  if [[ -n "${VMBACKUP_PULUMI_VERSION:-}" ]]; then
    echo "${VMBACKUP_PULUMI_VERSION#v}"
    return
  fi
  local pkg="$ROOT/node_modules/@pulumi/pulumi/package.json"
  [[ -f "$pkg" ]] || die "@pulumi/pulumi is not installed (run npm ci first) and VMBACKUP_PULUMI_VERSION is not set"
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pkg" | head -n1
}

VERSION="$(engine_version)"
[[ "$VERSION" =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "unexpected @pulumi/pulumi version '$VERSION' (expected 3.x.y)"
CACHE="${VMBACKUP_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmbackup/pulumi-$VERSION}"
BIN="$CACHE/bin"

# A `pulumi` on PATH is compatible when it is v3 and not older than the Node SDK we use, and both
# language hosts sit beside it on PATH.
path_engine_dir() {
  local exe ver minor want_minor
  exe="$(command -v pulumi 2>/dev/null)" || return 1
  command -v pulumi-language-nodejs >/dev/null 2>&1 || return 1
  command -v pulumi-language-yaml >/dev/null 2>&1 || return 1
  ver="$(PULUMI_SKIP_UPDATE_CHECK=1 "$exe" version 2>/dev/null)" || return 1
  ver="${ver#v}"
  [[ "$ver" =~ ^3\.([0-9]+)\. ]] || return 1
  minor="${BASH_REMATCH[1]}"
  want_minor="$(cut -d. -f2 <<<"$VERSION")"
  ((minor >= want_minor)) || return 1
  dirname "$(readlink -f "$exe")"
}

cached_complete() {
  [[ -x "$BIN/pulumi" && -x "$BIN/pulumi-language-nodejs" && -x "$BIN/pulumi-language-yaml" ]]
}

if [[ "${1:-}" == "--print-bin-dir" ]]; then
  if cached_complete; then echo "$BIN"; exit 0; fi
  if dir="$(path_engine_dir)"; then echo "$dir"; exit 0; fi
  # Nothing usable yet: print where the build puts it, so callers fail later with a clear message.
  echo "$BIN"
  exit 0
fi
WITH_PYTHON=false
WITH_GO=false
for arg in "$@"; do
  case "$arg" in
    --python) WITH_PYTHON=true ;;
    --go) WITH_GO=true ;;
    *) die "usage: $0 [--print-bin-dir | [--python] [--go]]" ;;
  esac
done
python_ready() { ! $WITH_PYTHON || [[ -x "$BIN/pulumi-language-python" && -f "$BIN/pulumi-language-python-exec" ]]; }
go_ready() { ! $WITH_GO || [[ -x "$BIN/pulumi-language-go" ]]; }

if cached_complete && python_ready && go_ready; then
  log "using cached engine v$VERSION in $BIN"
  exit 0
fi
if ! $WITH_PYTHON && ! $WITH_GO && dir="$(path_engine_dir)"; then
  log "using pulumi $(PULUMI_SKIP_UPDATE_CHECK=1 pulumi version) from PATH ($dir)"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is required to build the Pulumi engine from the module proxy (no go on PATH)"
mkdir -p "$BIN"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Prints the path of a module version's go.mod, downloaded through the proxy.
module_gomod() {
  go mod download -json "$1@$2" 2>/dev/null | sed -n 's/^[[:space:]]*"GoMod":[[:space:]]*"\(.*\)",*$/\1/p'
}

# Prints the replace directives of a go.mod whose target is another module (not a local path):
# `go install` refuses a module with replace lines, so a wrapper module repeats the ones that matter.
nonlocal_replaces() {
  awk '
    /^replace[[:space:]]*\(/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0; next }
    inblock { line = $0 }
    !inblock && /^replace[[:space:]]/ { line = $0; sub(/^replace[[:space:]]+/, "", line) }
    line != "" {
      split(line, parts, "=>"); target = parts[2]; gsub(/^[[:space:]]+/, "", target)
      if (target !~ /^(\.\/|\.\.\/|\/)/) print "replace " line
      line = ""
    }
  ' "$1"
}

# build_binary NAME MODULE VERSION PACKAGE [LDFLAGS]: builds PACKAGE from MODULE@VERSION into $BIN/NAME
# through a wrapper module that requires it and repeats its non-local replace lines.
build_binary() {
  local name="$1" module="$2" version="$3" pkg="$4" ldflags="${5:-}" gomod dir started
  started=$SECONDS
  log "building $name from $pkg@$version"
  gomod="$(module_gomod "$module" "$version")"
  [[ -n "$gomod" && -f "$gomod" ]] || { log "the module proxy does not serve $module@$version"; return 1; }
  dir="$WORK/$name"
  mkdir -p "$dir"
  {
    echo "module vmbackup.invalid/build/$name"
    echo
    grep -m1 '^go ' "$gomod" || echo "go 1.22"
    echo
    echo "require $module $version"
    echo
    nonlocal_replaces "$gomod"
  } >"$dir/go.mod"
  if ! (cd "$dir" && go get "$pkg@$version" >"$dir/get.log" 2>&1); then
    tail -n 20 "$dir/get.log" >&2
    log "go get $pkg@$version failed"
    return 1
  fi
  if ! (cd "$dir" && go build -ldflags "-s -w $ldflags" -o "$BIN/$name.tmp" "$pkg" >"$dir/build.log" 2>&1); then
    tail -n 30 "$dir/build.log" >&2
    log "go build $pkg@$version failed"
    return 1
  fi
  mv "$BIN/$name.tmp" "$BIN/$name"
  log "built $name ($(du -h "$BIN/$name" | cut -f1)) in $((SECONDS - started))s"
}

SDK_VERSION_FLAG="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION"

if [[ ! -x "$BIN/pulumi" ]]; then
  build_binary pulumi github.com/pulumi/pulumi/pkg/v3 "v$VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$SDK_VERSION_FLAG" \
    || die "could not build the pulumi CLI v$VERSION (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi); see the log above"
fi

if [[ ! -x "$BIN/pulumi-language-yaml" ]]; then
  build_binary pulumi-language-yaml github.com/pulumi/pulumi-yaml "$YAML_VERSION" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
    "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" \
    || die "could not build pulumi-language-yaml $YAML_VERSION (github.com/pulumi/pulumi-yaml); see the log above"
fi

# build_language_host LANG: the language host of the engine's release, or, when the module proxy does not
# serve the host's own module (it has no tags, only pseudo-versions), the host that the sdk module
# carried up to $LANGUAGE_HOST_FALLBACK_SDK. Both speak the engine's language protocol.
build_language_host() {
  local lang="$1" name="pulumi-language-$1" module release_commit pseudo=""
  local fallback_sdk="$LANGUAGE_HOST_FALLBACK_SDK" fallback_pkg="github.com/pulumi/pulumi/sdk/v3/$1/cmd/pulumi-language-$1"
  module="github.com/pulumi/pulumi/sdk/$lang/cmd/pulumi-language-$lang/v3"
  if [[ "$lang" == go ]]; then
    # The Go host sits outside cmd/, and left the sdk module a release earlier than the others.
    module="github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3"
    fallback_sdk="$GO_HOST_FALLBACK_SDK"
    fallback_pkg="github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go"
  fi
  release_commit="$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$VERSION" 2>/dev/null \
    | sed -n 's/^[[:space:]]*"Hash":[[:space:]]*"\([0-9a-f]\{12\}\).*/\1/p' | head -n1)"
  if [[ -n "$release_commit" ]]; then
    pseudo="$(go list -m -json "$module@$release_commit" 2>"$WORK/$lang-resolve.log" \
      | sed -n 's/^[[:space:]]*"Version":[[:space:]]*"\(.*\)",*$/\1/p' | head -n1)" || true
  fi
  if [[ -n "$pseudo" ]] && build_binary "$name" "$module" "$pseudo" "$module" "$SDK_VERSION_FLAG"; then
    return 0
  fi
  [[ -s "$WORK/$lang-resolve.log" ]] && log "proxy answer: $(tr '\n' ' ' <"$WORK/$lang-resolve.log")"
  log "the module proxy does not serve $module at commit ${release_commit:-unknown};" \
    "falling back to the $lang language host inside github.com/pulumi/pulumi/sdk/v3@$fallback_sdk"
  build_binary "$name" github.com/pulumi/pulumi/sdk/v3 "$fallback_sdk" "$fallback_pkg" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$fallback_sdk" \
    || die "could not build $name: neither $module@${release_commit:-?} nor sdk/v3@$fallback_sdk built"
}

if [[ ! -x "$BIN/pulumi-language-nodejs" ]]; then
  build_language_host nodejs
fi

if $WITH_PYTHON && ! python_ready; then
  [[ -x "$BIN/pulumi-language-python" ]] || build_language_host python
  # The host runs programs through this shim, found beside it; the engine release's own copy matches the
  # `pulumi` package on PyPI of the same version.
  shim="$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$VERSION" 2>/dev/null \
    | sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",*$/\1/p')/python/cmd/pulumi-language-python-exec"
  [[ -f "$shim" ]] || die "github.com/pulumi/pulumi/sdk/v3@v$VERSION has no python/cmd/pulumi-language-python-exec"
  install -m 0755 "$shim" "$BIN/pulumi-language-python-exec"
fi

if $WITH_GO && ! go_ready; then
  build_language_host go
fi

log "engine v$VERSION ready in $BIN: $(cd "$BIN" && ls | tr '\n' ' ')"
