#!/usr/bin/env bash
# Builds, once and cached, everything a local single-node Kubernetes needs, with no
# download site: the Kubernetes v1.37 components and etcd from the Go module proxy,
# CoreDNS likewise, a tiny pause image as an OCI archive, and the Debian packages of
# the node (containerd, runc, CNI plugins, iptables, conntrack...).
#
# Output: .tools/kube/bin/* and .tools/kube/images/pause.tar (git-ignored).
# A no-op when everything is present at the pinned versions. Cold: ~25 min on 2 cores.
#
# Usage: scripts/kube/build.sh                  everything for up.sh
#        scripts/kube/build.sh --control-plane  etcd, kube-apiserver and kubectl only (dry-runs)
set -euo pipefail

K8S_VERSION=1.37.2      # k8s.io/kubernetes; its staging modules are v0.37.2
ETCD_VERSION=3.6.16     # go.etcd.io/etcd/server/v3 (its root package is etcd's main)
COREDNS_VERSION=1.15.0  # github.com/coredns/coredns
PAUSE_IMAGE=registry.k8s.io/pause:3.10.2   # name only: built here from a Go program

root=$(cd "$(dirname "$0")/../.." && pwd)
tools=${KUBE_TOOLS_DIR:-$root/.tools/kube}
bin=$tools/bin
src=$tools/src
images=$tools/images
mkdir -p "$bin" "$src" "$images"
export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0

log() { printf 'kube/build: %s\n' "$*" >&2; }
stamp_ok() { [ -f "$bin/.$1.version" ] && [ "$(cat "$bin/.$1.version")" = "$2" ]; }
stamp() { echo "$2" >"$bin/.$1.version"; }

# --- Debian packages ---------------------------------------------------------------
ensure_packages() {
  local pkgs=(containerd runc containernetworking-plugins iptables conntrack socat
              openssl ethtool util-linux mount kmod ca-certificates)
  local missing=()
  for p in "${pkgs[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Kubernetes components -----------------------------------------------------------
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
# --control-plane: only what a server-side dry-run needs (etcd, kube-apiserver, kubectl).
# --check: build nothing; exit 0 when everything up.sh needs is built (or cached).
control_plane_only=0 check_only=0
case "${1:-}" in
  --control-plane) control_plane_only=1; K8S_CMDS=(kube-apiserver kubectl) ;;
  --check) check_only=1 ;;
esac

# Built binaries are also kept in the Go path, so a fresh clone on the same machine
# (CI) restores them in seconds instead of rebuilding.
cache=${KUBE_BUILD_CACHE:-$(go env GOPATH)/cache/redis-sentinel/kube}
restore_cache() {
  [ -d "$cache/bin" ] || return 0
  cp -an "$cache/bin/." "$bin/"
  [ -d "$cache/images" ] && cp -an "$cache/images/." "$images/"
  return 0
}
save_cache() {
  mkdir -p "$cache/bin" "$cache/images"
  cp -a "$bin/." "$cache/bin/"
  cp -a "$images/." "$cache/images/"
}
all_built() {
  local c
  for c in "${K8S_CMDS[@]}" etcd coredns; do [ -x "$bin/$c" ] || return 1; done
  stamp_ok kubernetes "$K8S_VERSION" && stamp_ok etcd "$ETCD_VERSION" &&
    stamp_ok coredns "$COREDNS_VERSION" && [ -f "$images/pause.tar" ]
}

build_kubernetes() {
  local all=1 c
  for c in "${K8S_CMDS[@]}"; do [ -x "$bin/$c" ] || all=0; done
  if [ $all = 1 ] && stamp_ok kubernetes "$K8S_VERSION"; then return; fi
  log "building Kubernetes v$K8S_VERSION (${K8S_CMDS[*]}) from the Go module proxy (cold: ~20 min)"
  local mod=$src/kubernetes staging=0.${K8S_VERSION#1.}
  mkdir -p "$mod"
  # k8s.io/kubernetes points its staging modules at ./staging/src/...; a replace in a
  # dependency does not apply, so repeat every one of them with the published version.
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  {
    printf 'module local/kube-build\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$K8S_VERSION"
    sed -n '/^replace (/,/^)/p' "$gomod" | awk '$2 == "=>" {printf "\t%s => %s v%s\n", $1, $1, "'"$staging"'"}'
    printf ')\n'
  } >"$mod/go.mod"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for c in "${K8S_CMDS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
    printf ')\n'
  } >"$mod/tools.go"
  local pkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version ldflags="-s -w" kv
  local major=${K8S_VERSION%%.*} minor
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  for kv in "gitVersion=v$K8S_VERSION" "gitMajor=$major" "gitMinor=$minor" \
            "gitCommit=0000000000000000000000000000000000000000" "gitTreeState=clean" \
            "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    ldflags+=" -X $pkg.$kv -X $cpkg.$kv"
  done
  (cd "$mod" && go mod tidy -e >/dev/null 2>&1 || true)
  local targets=()
  for c in "${K8S_CMDS[@]}"; do targets+=("k8s.io/kubernetes/cmd/$c"); done
  (cd "$mod" && go build -trimpath -ldflags "$ldflags" -o "$bin/" "${targets[@]}")
  stamp kubernetes "$K8S_VERSION"
}

# --- etcd ------------------------------------------------------------------------------
build_etcd() {
  if [ -x "$bin/etcd" ] && stamp_ok etcd "$ETCD_VERSION"; then return; fi
  log "building etcd v$ETCD_VERSION"
  local mod=$src/etcd
  mkdir -p "$mod"
  # server/v3's go.mod has replace directives, so `go install pkg@version` refuses it.
  printf 'module local/etcd-build\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" >"$mod/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$mod/tools.go"
  (cd "$mod" && go mod tidy -e >/dev/null 2>&1 || true)
  (cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3)
  stamp etcd "$ETCD_VERSION"
}

# --- CoreDNS (runs as a host process, serving cluster.local) ---------------------------
build_coredns() {
  if [ -x "$bin/coredns" ] && stamp_ok coredns "$COREDNS_VERSION"; then return; fi
  log "building CoreDNS v$COREDNS_VERSION"
  GOBIN=$bin go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@v$COREDNS_VERSION"
  stamp coredns "$COREDNS_VERSION"
}

# --- pause image: a static Go program, packed as an OCI archive for `ctr images import` --
build_pause() {
  local want
  want="$PAUSE_IMAGE $(sha256sum "$0" | cut -c1-16)"
  if [ -f "$images/pause.tar" ] && stamp_ok pause "$want"; then return; fi
  log "building the pause image ($PAUSE_IMAGE)"
  local mod=$src/pause
  mkdir -p "$mod"
  printf 'module local/pause\n\ngo 1.26.0\n' >"$mod/go.mod"
  cat >"$mod/main.go" <<'GO'
// pause: the process that holds a pod's namespaces. Sleeps until SIGINT/SIGTERM and
// reaps children it may inherit as PID 1.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s == syscall.SIGCHLD {
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
GO
  local work
  work=$(mktemp -d)
  mkdir -p "$work/rootfs" "$work/oci/blobs/sha256"
  (cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$work/rootfs/pause" .)
  tar -C "$work/rootfs" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" pause
  blob() { # file -> prints "digest size", stores it under blobs/
    local d s
    d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1")
    cp "$1" "$work/oci/blobs/sha256/$d"; echo "$d $s"
  }
  local layer_d layer_s config_d config_s manifest_d manifest_s
  read -r layer_d layer_s < <(blob "$work/layer.tar")
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer_d" >"$work/config.json"
  read -r config_d config_s < <(blob "$work/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_d" "$config_s" "$layer_d" "$layer_s" >"$work/manifest.json"
  read -r manifest_d manifest_s < <(blob "$work/manifest.json")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest_d" "$manifest_s" "$PAUSE_IMAGE" "${PAUSE_IMAGE##*:}" >"$work/oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
  tar -C "$work/oci" --owner=0 --group=0 --numeric-owner -cf "$images/pause.tar" .
  rm -rf "$work"
  echo "$PAUSE_IMAGE" >"$images/pause.name"
  stamp pause "$want"
}

restore_cache
if [ $check_only = 1 ]; then
  all_built
  exit
fi
ensure_packages
build_etcd
build_kubernetes
if [ $control_plane_only = 0 ]; then
  build_pause
  build_coredns
fi
save_cache
log "ready: $(cd "$bin" && ls | tr '\n' ' ')"
