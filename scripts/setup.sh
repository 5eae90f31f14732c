#!/usr/bin/env bash
# Everything the quick start and the tests need on a Debian machine, idempotent:
# Debian packages (redis, docker.io, prometheus ...), a running Docker daemon, the pinned
# Pulumi toolchain and docker plugin (built from the Go module proxy when absent),
# the local Redis and monitor images, and the stack program and CLI compiled once so the first
# `make up` does not.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'setup: %s\n' "$*" >&2; }

packages=(redis-server redis-sentinel redis-tools busybox-static gosu docker.io iproute2 python3-redis prometheus)
# The client suite's Node clients need node and npm; use the machine's when it has them.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  [ "$(id -u)" = 0 ] || { log "need root for apt-get (or install: ${missing[*]})"; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages start their own redis-server/redis-sentinel services; the
  # project runs its own processes, so keep the default ports free.
  service redis-server stop >/dev/null 2>&1 || true
  service redis-sentinel stop >/dev/null 2>&1 || true
  # prometheus is for the tests (each starts its own); its service is not needed.
  service prometheus stop >/dev/null 2>&1 || true
fi

if ! docker info >/dev/null 2>&1; then
  log "no Docker daemon answers: starting dockerd (log: /tmp/dockerd.log)"
  nohup dockerd >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /tmp/dockerd.log"; exit 1; }
fi

bash scripts/toolchain.sh >/dev/null
bash scripts/build-image.sh

# The client suite's pinned Node clients (test/clients/node), when the lock changed.
node_dir=test/clients/node
lock_digest=$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$node_dir/node_modules/.installed-lock" 2>/dev/null)" != "$lock_digest" ]; then
  log "installing the client suite's npm packages (npm ci in $node_dir)"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_digest" >"$node_dir/node_modules/.installed-lock"
fi

# The Go language host runs `go build -o <buildTarget of Pulumi.yaml>` before every
# preview/up; building the same target here (same command, same environment) leaves
# the first `make up` nothing to compile or link. Cold: minutes (the Pulumi, Docker
# and Kubernetes SDKs).
source scripts/env.sh
started=$SECONDS
build_stack_program
go build -o bin/redis-sentinel ./cmd/redis-sentinel
log "stack program and CLI compiled: $((SECONDS - started)) s"
log "ready in $SECONDS s"
