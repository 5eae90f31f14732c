#!/usr/bin/env bash
# Builds the monitor image with no registry and no base image: the project's lean
# monitor binary (cmd/redis-sentinel-monitor: the CLI's serve and probe, static, CGO
# off) as /usr/local/bin/redis-sentinel, the only file besides /etc/passwd and
# /etc/group (nobody, uid 65534), then `docker import`. The monitor's healthcheck is
# the binary's own `probe` command, so the image needs no shell or curl.
# Real users push this image to their registry and set monitorImage.
#
# Usage: scripts/build-monitor-image.sh [TAG]   (default: redis-sentinel-monitor:local)
# A no-op when the tag exists and holds the same binary.
set -euo pipefail

tag=${1:-redis-sentinel-monitor:local}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v docker >/dev/null || { echo "build-monitor-image: docker missing (apt-get install -y docker.io)" >&2; exit 1; }

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{usr/local/bin,etc,tmp}
chmod 1777 "$rootfs/tmp"
started=$(date +%s)
# -trimpath and no VCS stamp make the binary a function of the sources, so the
# fingerprint below changes only when they do.
(cd "$root" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' \
  -o "$rootfs/usr/local/bin/redis-sentinel" ./cmd/redis-sentinel-monitor)
fingerprint=$(sha256sum "$rootfs/usr/local/bin/redis-sentinel" "$0" | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "redis-sentinel.fingerprint"}}' "$tag" 2>/dev/null)" = "$fingerprint" ]; then
  echo "build-monitor-image: $tag is up to date" >&2
  exit 0
fi
printf 'root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
tar -C "$rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/redis-sentinel"]' \
  --change 'CMD ["serve", "--help"]' \
  --change 'USER 65534:65534' \
  --change 'EXPOSE 9121' \
  --change "LABEL redis-sentinel.fingerprint=$fingerprint" \
  - "$tag" >/dev/null
echo "build-monitor-image: built $tag ($(du -h "$rootfs/usr/local/bin/redis-sentinel" | cut -f1) binary, $(( $(date +%s) - started ))s)" >&2
