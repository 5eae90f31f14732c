#!/usr/bin/env bash
# Makes the Pulumi docker resource plugin 4.9.0 (the version the pulumi-docker Go
# SDK this project pins asks for) available to the engine, with no download site:
#
#   1. a docker 4.9.0 plugin already installed is used as it is: Pulumi's release,
#      or this script's build when it was made from the sources in this checkout;
#   2. otherwise Pulumi's own download is tried (works online, fails in seconds
#      offline);
#   3. otherwise tools/pulumi-resource-docker (our module: Pulumi's Terraform bridge
#      over kreuzwerker's Terraform docker provider, with pulumi-docker 4.9.0's
#      names) is built from the Go module proxy and installed with
#      `pulumi plugin install resource docker 4.9.0 --file ...`.
#
# Build: the schema generator (pulumi-tfgen-docker), its run (schema.json with the
# version stamped, bridge-metadata.json: build outputs, git-ignored), then the plugin
# embedding both. Outputs under .tools/docker-plugin/ (git-ignored).
# Cold (empty Go caches, ~270 modules to download): ~3 min on 2 cores (176 s
# measured: modules 18 s, generator 151 s, plugin 3 s), 1.8 GB peak; with a warm
# Go build cache a rebuild takes seconds.
#
# Usage: scripts/docker-plugin.sh           make it available (build once)
#        scripts/docker-plugin.sh --check   exit 0 when a usable plugin is installed
set -euo pipefail

PLUGIN_VERSION=4.9.0
UPSTREAM_PATH=github.com/terraform-providers/terraform-provider-docker
UPSTREAM_SERVED_AS=github.com/kreuzwerker/terraform-provider-docker
CMD=pulumi-resource-docker

root=$(cd "$(dirname "$0")/.." && pwd)
module=$root/tools/pulumi-resource-docker
out=$root/.tools/docker-plugin
source "$root/scripts/env.sh"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# Pulumi's home: $PULUMI_HOME, else ~/.pulumi of the user's home in the passwd
# database (Pulumi asks the OS for it; it does not read $HOME).
pulumi_home=${PULUMI_HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)/.pulumi}
plugin_dir=$pulumi_home/plugins/resource-docker-v$PLUGIN_VERSION
installed=$plugin_dir/$CMD
# Written next to the installed binary by step 3: "<sources digest> <binary digest>".
stamp=$plugin_dir/.redis-sentinel-build

log() { printf 'docker-plugin: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v pulumi >/dev/null || die "no pulumi CLI; run scripts/toolchain.sh first"

plugin_listed() {
  local plugins
  plugins=$(pulumi plugin ls 2>/dev/null) || return 1
  grep -Eq "^docker +resource +${PLUGIN_VERSION//./\\.}( |$)" <<<"$plugins"
}

# Everything the build reads from the checkout.
sources_digest() {
  (cd "$module" && find . -name '*.go' -o -name go.mod -o -name go.sum | LC_ALL=C sort |
    xargs sha256sum; sha256sum "$root/scripts/docker-plugin.sh" | cut -d' ' -f1) | sha256sum | cut -c1-16
}
file_digest() { sha256sum "$1" | cut -c1-16; }

# Built from tools/pulumi-resource-docker (in any checkout): its main module path.
built_by_us() {
  # Matched on captured output: under pipefail, grep -q exiting at the first match would
  # kill `go version` with SIGPIPE and make the pipeline fail at random.
  local info
  info=$(go version -m "$1" 2>/dev/null) || return 1
  grep -Eq "^[[:space:]]+mod[[:space:]]+$UPSTREAM_PATH/$CMD[[:space:]]" <<<"$info"
}

# 0: the installed plugin is fine as it is; 1: (re)build.
installed_is_current() {
  [ -x "$installed" ] && plugin_listed || return 1
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(sources_digest) $(file_digest "$installed")" ]; then
    log "docker plugin $PLUGIN_VERSION is installed, built from this checkout's tools/$CMD"
    return 0
  fi
  if built_by_us "$installed"; then
    log "the installed docker plugin $PLUGIN_VERSION was built from other sources of tools/$CMD: rebuilding"
    return 1
  fi
  log "using the installed docker plugin $PLUGIN_VERSION ($installed)"
}

step_started=0
step() { step_started=$(date +%s); log "$*"; }
step_done() { log "  ... $(($(date +%s) - step_started)) s"; }

build() {
  local upstream_version
  upstream_version=$(sed -n "s|^[[:space:]]*$UPSTREAM_PATH => $UPSTREAM_SERVED_AS \(v[^[:space:]]*\).*|\1|p" "$module/go.mod")
  [ -n "$upstream_version" ] || die "tools/$CMD/go.mod has no replace of $UPSTREAM_PATH by $UPSTREAM_SERVED_AS"
  step "downloading the modules of tools/$CMD (upstream $UPSTREAM_SERVED_AS $upstream_version)"
  if ! (cd "$module" && go mod download); then
    local served
    served=$(go list -m -f '{{.Version}}' "$UPSTREAM_SERVED_AS@latest" 2>/dev/null || echo "none")
    die "the Go module proxy does not serve the pinned $UPSTREAM_SERVED_AS $upstream_version (it serves $served now). Moving the pin is a reviewed change in tools/$CMD/go.mod; the compatibility test (test/integration/docker_plugin_test.go) must pass with it."
  fi
  step_done

  mkdir -p "$out/bin" "$out/schema"
  step "building the schema generator pulumi-tfgen-docker (cold: ~2.5 min, 1.8 GB)"
  (cd "$module" && go build -trimpath -tags no_compose -o "$out/bin/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker)
  step_done

  step "generating the schema and bridge metadata"
  local upstream_dir
  upstream_dir=$(cd "$module" && go list -m -f '{{.Dir}}' "$UPSTREAM_PATH")
  UPSTREAM_DOCS=$upstream_dir "$out/bin/pulumi-tfgen-docker" schema --skip-examples --quiet \
    --out "$out/schema" >"$out/schema/tfgen.log" 2>&1 || { cat "$out/schema/tfgen.log" >&2; die "the schema generator failed"; }
  cp "$out/schema/schema.json" "$out/schema/bridge-metadata.json" "$module/cmd/$CMD/"
  step_done

  step "building $CMD $PLUGIN_VERSION"
  (cd "$module" && go build -trimpath -tags no_compose -ldflags '-s -w' -o "$out/bin/$CMD" "./cmd/$CMD")
  step_done
}

install() {
  step "installing into Pulumi's plugin cache"
  pulumi plugin install resource docker "$PLUGIN_VERSION" --file "$out/bin/$CMD" --reinstall >/dev/null 2>&1
  plugin_listed || die "pulumi plugin ls does not list docker resource $PLUGIN_VERSION after install"
  # (Captured, not piped into head: with pipefail an early exit would fail the writer.)
  local schema version
  schema=$(pulumi package get-schema "docker@$PLUGIN_VERSION" 2>/dev/null) || die "pulumi package get-schema docker@$PLUGIN_VERSION failed"
  version=$(sed -n '1,12s/^ *"version": *"\([^"]*\)".*/\1/p' <<<"$schema")
  [ "$version" = "$PLUGIN_VERSION" ] ||
    die "pulumi package get-schema docker@$PLUGIN_VERSION reports version '${version:-none}'"
  echo "$(sources_digest) $(file_digest "$installed")" >"$stamp"
  step_done
}

if installed_is_current; then exit 0; fi
[ "${1:-}" = --check ] && exit 1

if ! [ -x "$installed" ]; then
  log "trying Pulumi's download of the docker plugin $PLUGIN_VERSION"
  if timeout 120 pulumi plugin install resource docker "$PLUGIN_VERSION" >/dev/null 2>&1 && [ -x "$installed" ] && plugin_listed; then
    log "downloaded and installed Pulumi's docker plugin $PLUGIN_VERSION"
    exit 0
  fi
  log "no download (offline?): building it from tools/$CMD"
fi

started=$(date +%s)
build
install
log "docker plugin $PLUGIN_VERSION built and installed in $(($(date +%s) - started)) s"
