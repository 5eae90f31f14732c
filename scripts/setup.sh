#!/usr/bin/env bash
# Everything the quick start and the tests need on a Debian machine, idempotent:
# Debian packages (redis, docker.io, ...), a running Docker daemon, the pinned
# Pulumi toolchain (built from the Go module proxy when absent), the local Redis
# image, and a check that the pulumi-docker plugin is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'setup: %s\n' "$*" >&2; }

packages=(redis-server redis-sentinel redis-tools busybox-static gosu docker.io iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
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
fi

if ! docker info >/dev/null 2>&1; then
  log "no Docker daemon answers: starting dockerd (log: /tmp/dockerd.log)"
  nohup dockerd >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /tmp/dockerd.log"; exit 1; }
fi

bash scripts/toolchain.sh >/dev/null
bash scripts/build-image.sh

source scripts/env.sh
if ! pulumi plugin ls 2>/dev/null | grep -Eq '^docker +resource +4\.9\.0'; then
  if ! pulumi plugin install resource docker 4.9.0 >/dev/null 2>&1; then
    log "WARNING: the pulumi-docker plugin 4.9.0 is not installed and could not be downloaded."
    log "         Install it with: pulumi plugin install resource docker 4.9.0 [--file BINARY]"
    log "         Until then \`make up\` fails and the Docker integration tests SKIP."
  fi
fi
log "ready"
