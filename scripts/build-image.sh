#!/usr/bin/env bash
# Builds the local Redis image from Debian's redis packages, with no registry: the
# redis binaries and the libraries they link, a static busybox for the shell tools the
# healthchecks and settings jobs use, and gosu to drop root, then `docker import`.
# Real users pull the official redis:7.x image instead; the image is stack config.
#
# It then builds the monitor image every stack runs (`redis-sentinel serve`): the
# project's own static binary alone, run as nobody.
#
# Usage: scripts/build-image.sh [TAG [MONITOR_TAG]]
#        (defaults: redis-sentinel-local:7.0.15, redis-sentinel-monitor:local)
# Each is a no-op when its tag exists and was built from the same inputs.
set -euo pipefail

tag=${1:-redis-sentinel-local:7.0.15}
monitor_tag=${2:-redis-sentinel-monitor:local}
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build-monitor-image.sh" "$monitor_tag"

need() { command -v "$1" >/dev/null || { echo "build-image: $1 missing (apt-get install -y $2)" >&2; exit 1; }; }
need redis-server redis-server
need redis-cli redis-tools
need busybox busybox-static
need gosu gosu
need docker docker.io

fingerprint=$(cat "$(command -v redis-server)" "$root/images/redis/docker-entrypoint.sh" "$0" | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "redis-sentinel.fingerprint"}}' "$tag" 2>/dev/null)" = "$fingerprint" ]; then
  echo "build-image: $tag is up to date" >&2
  exit 0
fi

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{usr/local/bin,bin,etc,data,tmp,usr/local/etc/redis}
chmod 1777 "$rootfs/tmp"

copy_with_libs() {
  local bin=$1 dest=$2
  cp -L "$bin" "$rootfs$dest"
  ldd "$bin" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -Ln "$lib" "$rootfs$lib"
  done
}
copy_with_libs "$(command -v redis-server)" /usr/local/bin/redis-server
copy_with_libs "$(command -v redis-cli)" /usr/local/bin/redis-cli
ln -s redis-server "$rootfs/usr/local/bin/redis-sentinel"
cp "$(command -v gosu)" "$rootfs/usr/local/bin/gosu"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for applet in sh cat chown cut echo env find grep head id ls mkdir rm sed sleep sort tail test timeout tr wc; do
  ln -s busybox "$rootfs/bin/$applet"
done
install -m 0755 "$root/images/redis/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
# uid/gid 999 as in the official image, so volumes move between the two images.
printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:999::/data:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nredis:x:999:\n' >"$rootfs/etc/group"
chown 999:999 "$rootfs/data"

tar -C "$rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["redis-server"]' \
  --change 'WORKDIR /data' \
  --change 'ENV PATH=/usr/local/bin:/bin' \
  --change 'EXPOSE 6379' \
  --change "LABEL redis-sentinel.fingerprint=$fingerprint" \
  - "$tag" >/dev/null
echo "build-image: built $tag ($(redis-server --version | cut -d' ' -f3))" >&2
