#!/usr/bin/env bash
# Installs the pinned Pulumi toolchain without any download site: the CLI and the Go
# language host are built from the Go module proxy into an ignored folder, then the
# docker resource plugin is made available (scripts/docker-plugin.sh: an installed or
# downloadable 4.9.0, else built from tools/pulumi-resource-docker). One build at a
# time, so each gets both cores. A no-op when all are in place; uses an installed
# `pulumi` of the pinned version when present.
#
# Usage: scripts/toolchain.sh            # prints the bin dir to put first on PATH
set -euo pipefail

PULUMI_VERSION=3.274.1
# The language host at v3.274 is not served by the proxy; the one in sdk v3.66.0 speaks
# the same protocol and works with CLI 3.274.1 (behind scripts/pulumi-language-go-shim.sh,
# which passes it Pulumi.yaml's runtime options).
LANGUAGE_HOST_SDK_VERSION=3.66.0

root=$(cd "$(dirname "$0")/.." && pwd)
tools=${TOOLS_DIR:-$root/.tools}
bin=$tools/bin
mkdir -p "$bin"

log() { printf 'toolchain: %s\n' "$*" >&2; }

have_pinned_cli() {
  local candidate=$1
  [ -x "$candidate" ] && [ "$("$candidate" version 2>/dev/null)" = "v$PULUMI_VERSION" ]
}

ensure_cli() {
  if have_pinned_cli "$bin/pulumi"; then return; fi
  local installed
  installed=$(command -v pulumi || true)
  if [ -n "$installed" ] && have_pinned_cli "$installed"; then
    ln -sf "$installed" "$bin/pulumi"
    log "using installed $installed"
    return
  fi
  log "building pulumi CLI v$PULUMI_VERSION from the Go module proxy (cold: ~4-13 min)"
  # pkg/v3's own replace directive, copied: replaces do not apply to dependencies.
  build_wrapped pulumi-cli github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" \
    "github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$bin/pulumi"
}

ensure_language_host() {
  local host=$bin/pulumi-language-go-sdk-v$LANGUAGE_HOST_SDK_VERSION
  # Earlier checkouts installed the host itself under the shim's name: keep that build.
  if [ ! -x "$host" ] && [ -x "$bin/pulumi-language-go" ] && [ "$(head -c 4 "$bin/pulumi-language-go")" = $'\x7fELF' ]; then
    mv "$bin/pulumi-language-go" "$host"
  fi
  if [ ! -x "$host" ]; then
    log "building pulumi-language-go from sdk v$LANGUAGE_HOST_SDK_VERSION"
    # sdk/v3's own replace directive, copied.
    build_wrapped pulumi-language-go github.com/pulumi/pulumi/sdk/v3 "$LANGUAGE_HOST_SDK_VERSION" \
      "golang.org/x/text => golang.org/x/text v0.3.6" \
      github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go "$host"
  fi
  # In front of it, the shim that hands it Pulumi.yaml's runtime options (see the shim).
  cmp -s "$root/scripts/pulumi-language-go-shim.sh" "$bin/pulumi-language-go" ||
    install -m 0755 "$root/scripts/pulumi-language-go-shim.sh" "$bin/pulumi-language-go"
}

# build_wrapped NAME MODULE VERSION REPLACE PACKAGE OUTPUT: builds PACKAGE of
# MODULE@vVERSION through a throwaway wrapper module carrying REPLACE, with the
# version stamped in.
build_wrapped() {
  local name=$1 module=$2 version=$3 replace=$4 pkg=$5 out=$6
  local mod=$tools/src/$name
  mkdir -p "$mod"
  printf 'module local/%s\n\ngo 1.24\n\nrequire %s v%s\n\nreplace %s\n' "$name" "$module" "$version" "$replace" >"$mod/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >"$mod/tools.go"
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
   cd "$mod" && GOFLAGS=-mod=mod go build -trimpath \
     -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" -o "$out" "$pkg")
}

# timed WHAT CMD...: runs CMD and says how long WHAT took.
timed() {
  local what=$1 started=$SECONDS
  shift
  "$@"
  log "$what: $((SECONDS - started)) s"
}

timed "pulumi CLI" ensure_cli
timed "Go language host" ensure_language_host
TOOLS_DIR=$tools timed "docker plugin" bash "$root/scripts/docker-plugin.sh"
log "ready: $("$bin/pulumi" version)"
echo "$bin"
