#!/usr/bin/env bash
# Builds the Pulumi Kubernetes resource provider plugin (pulumi-resource-kubernetes)
# v4.25.0 from the Go module proxy, with no download site, and installs it into
# Pulumi's plugin cache (`pulumi plugin install resource kubernetes 4.25.0 --file ...`).
#
# How: the proxy serves github.com/pulumi/pulumi-kubernetes/provider/v4 only as a
# pseudo-version; v4.0.0-20260115033456-f47bc2d6f199 is the commit tagged v4.25.0.
# A throwaway wrapper module (.tools/kube-plugin/src) requires it, points the
# provider's local `../sdk` replace at sdk/v4 v4.25.0 (replaces of a dependency are
# not applied to its dependents, so they are copied here), copies the provider's
# cmd/pulumi-resource-kubernetes into a writable directory, runs the upstream
# generate.go there (writes schema-embed.json with version 4.25.0 and
# terraform-mapping-embed.json, the files main.go go:embeds), and builds it with
# -X .../pkg/version.Version=4.25.0, as the upstream Makefile does.
#
# Output: .tools/kube-plugin/bin/pulumi-resource-kubernetes (git-ignored), then
# installed into $PULUMI_HOME/plugins (default ~/.pulumi/plugins).
# A no-op when `pulumi plugin ls` already lists kubernetes resource 4.25.0; an already
# built binary of the pinned version is installed without rebuilding.
# Cold: 11-25 min on 2 cores (25 min measured with another build running), ~4.6 GB
# peak memory (the link). Warm Go build cache: ~30 s.
#
# Usage: scripts/kube/plugin.sh            build (once) and install
#        scripts/kube/plugin.sh --check    exit 0 when installed, build nothing
set -euo pipefail

PLUGIN_VERSION=4.25.0
PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
PROVIDER_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199   # = tag v4.25.0 (commit f47bc2d6)
SDK_MODULE=github.com/pulumi/pulumi-kubernetes/sdk/v4
SDK_VERSION=v$PLUGIN_VERSION
CMD="pulumi-resource-kubernetes"

root=$(cd "$(dirname "$0")/../.." && pwd)
tools=$root/.tools/kube-plugin
src=$tools/src
bin=$tools/bin
binary=$bin/$CMD
stamp=$bin/.$CMD.version
export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"
export PULUMI_SKIP_UPDATE_CHECK=true

log() { printf 'kube/plugin: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ -x "$root/.tools/bin/pulumi" ]; then
  pulumi=$root/.tools/bin/pulumi
elif command -v pulumi >/dev/null 2>&1; then
  pulumi=$(command -v pulumi)
else
  die "no pulumi CLI; run scripts/toolchain.sh first"
fi

# (Outputs are captured, not piped into grep -q: with pipefail an early grep exit
# could fail the writer with SIGPIPE.)
plugin_installed() {
  local plugins
  plugins=$("$pulumi" plugin ls 2>/dev/null) || return 1
  grep -Eq "^kubernetes +resource +${PLUGIN_VERSION//./\\.}( |$)" <<<"$plugins"
}

# Built at the pinned version: the stamp written after a successful build, and the
# provider module version the binary records (go version -m; -trimpath leaves out the
# -ldflags, so the stamp stands for them).
binary_ok() {
  [ -x "$binary" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PLUGIN_VERSION $PROVIDER_PSEUDO" ] ||
    return 1
  local info
  info=$(go version -m "$binary" 2>/dev/null) || return 1
  grep -Eq "^[[:space:]]+dep[[:space:]]+${PROVIDER_MODULE}[[:space:]]+${PROVIDER_PSEUDO}([[:space:]]|\$)" <<<"$info"
}

# Prints the provider go.mod's replace directives, one "old [v] => new [v]" a line.
provider_replaces() {
  awk '
    { sub(/\/\/.*/, "") }
    /^replace[[:space:]]*\(/ { blk = 1; next }
    blk && /^[[:space:]]*\)/ { blk = 0; next }
    blk && NF { print; next }
    /^replace[[:space:]]/ { sub(/^replace[[:space:]]+/, ""); print }
  ' "$1"
}

build() {
  log "downloading $PROVIDER_MODULE@$PROVIDER_PSEUDO (v$PLUGIN_VERSION)"
  local moddir
  moddir=$(go mod download -json "$PROVIDER_MODULE@$PROVIDER_PSEUDO" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$moddir" ] || [ ! -f "$moddir/cmd/$CMD/main.go" ]; then
    die "cannot download $PROVIDER_MODULE@$PROVIDER_PSEUDO"
  fi
  # The -X target of the build below.
  grep -q '^var Version string' "$moddir/pkg/version/version.go" ||
    die "$PROVIDER_MODULE/pkg/version.Version not found"

  rm -rf "$src"
  mkdir -p "$src/cmd/$CMD" "$src/gen" "$bin"
  cd "$src"
  go mod init kube-plugin-build >/dev/null 2>&1
  go mod edit -go="$(go mod edit -json "$moddir/go.mod" | sed -n 's/^[[:space:]]*"Go": "\(.*\)",\{0,1\}$/\1/p')"
  go mod edit -require="$PROVIDER_MODULE@$PROVIDER_PSEUDO"
  go mod edit -replace="$SDK_MODULE=$SDK_MODULE@$SDK_VERSION"

  # The provider's own replaces: the local ../sdk one is covered above; keep the others.
  local line old new
  while read -r line; do
    old=${line%%=>*}; new=${line#*=>}
    read -r -a old <<<"$old"; read -r -a new <<<"$new"
    if [ "${old[0]}" = "$SDK_MODULE" ]; then continue; fi
    case ${new[0]} in
      .*|/*) die "provider go.mod has a local replace this script does not handle: $line" ;;
    esac
    go mod edit -replace="${old[0]}${old[1]:+@${old[1]}}=${new[0]}${new[1]:+@${new[1]}}"
  done < <(provider_replaces "$moddir/go.mod")

  # A writable copy of the command; main.go go:embeds the files generate.go writes.
  cp "$moddir/cmd/$CMD/main.go" "$moddir/cmd/$CMD/schema.json" \
     "$moddir/cmd/$CMD/terraform-mapping.json" "$src/cmd/$CMD/"
  # generate.go is `//go:build ignore`; as its own package (tag dropped) tidy sees its imports.
  sed -e '/^\/\/go:build ignore$/d' -e '/^\/\/ +build ignore$/d' \
    "$moddir/cmd/$CMD/generate.go" >"$src/gen/main.go"
  chmod -R u+w "$src"

  log "resolving dependencies (go mod tidy in $src)"
  go mod tidy
  log "generating schema-embed.json and terraform-mapping-embed.json"
  (cd "$src/cmd/$CMD" && VERSION=$PLUGIN_VERSION go run ../../gen)
  if [ ! -s "$src/cmd/$CMD/schema-embed.json" ] || [ ! -s "$src/cmd/$CMD/terraform-mapping-embed.json" ]; then
    die "generate.go did not write the embedded JSON files"
  fi

  log "building $CMD v$PLUGIN_VERSION (cold: 11-25 min, ~4.6 GB at link)"
  go build -trimpath -ldflags "-X $PROVIDER_MODULE/pkg/version.Version=$PLUGIN_VERSION" \
    -o "$binary.tmp" "./cmd/$CMD"
  rm -f "$stamp"
  mv -f "$binary.tmp" "$binary"
  echo "$PLUGIN_VERSION $PROVIDER_PSEUDO" >"$stamp"
  cd "$root"
}

if plugin_installed; then
  log "kubernetes resource plugin $PLUGIN_VERSION already installed"
  exit 0
fi
# --check: build nothing; exit 0 only when the plugin is installed (above).
[ "${1:-}" = --check ] && exit 1

if binary_ok; then
  log "using the already built $binary"
else
  build
  binary_ok || die "$binary does not carry $PROVIDER_MODULE $PROVIDER_PSEUDO / version $PLUGIN_VERSION"
fi

log "installing into Pulumi's plugin cache"
"$pulumi" plugin install resource kubernetes "$PLUGIN_VERSION" --file "$binary"
plugin_installed || die "pulumi plugin ls does not list kubernetes resource $PLUGIN_VERSION after install"

# The plugin must serve its schema at the pinned version.
schema_head=$("$pulumi" package get-schema "kubernetes@$PLUGIN_VERSION" 2>/dev/null | head -c 4096 || true)
grep -Eq "\"version\": *\"$PLUGIN_VERSION\"" <<<"$schema_head" ||
  die "pulumi package get-schema kubernetes@$PLUGIN_VERSION does not report version $PLUGIN_VERSION"
log "installed kubernetes resource plugin $PLUGIN_VERSION"
