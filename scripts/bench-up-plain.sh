#!/usr/bin/env bash
# The comparison for bench-up.sh: the stack's topology started by hand with plain
# `docker run`, as a team would script it without Pulumi. Same image, subnet, host
# ports, volumes, password, master name, quorum and sentinel timers as STACK (read
# from its config); configs written inline, no healthchecks. Prints the seconds from
# the first docker command until every sentinel answers CKQUORUM OK and the master
# reports all its replicas online, then removes everything it created.
# Usage: scripts/bench-up-plain.sh [stack]     (the stack itself must be down)
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:-local}
source scripts/env.sh

cfg() { pulumi config get "redis-sentinel:$1" --stack "$stack" 2>/dev/null || echo "$2"; }
image=$(cfg image redis:7.2)
subnet=$(cfg dockerSubnet 172.28.0.0/24)
node_base=$(cfg dockerNodePortBase 16379)
sentinel_base=$(cfg dockerSentinelPortBase 36379)
master_name=$(cfg masterName mymaster)
replicas=$(cfg replicas 2)
sentinels=$(cfg sentinels 3)
quorum=$(cfg quorum 0)
[ "$quorum" != 0 ] || quorum=$((sentinels / 2 + 1))
down_after=$(cfg downAfterMilliseconds 5000)
failover_timeout=$(cfg failoverTimeoutMilliseconds 60000)
password=$(pulumi config get redis-sentinel:password --stack "$stack")
gateway=${subnet%.*}.1
prefix=redis-bench-plain
export REDISCLI_AUTH=$password

cleanup() {
  docker rm -f $(docker ps -aq --filter "label=$prefix") >/dev/null 2>&1 || true
  docker volume rm $(docker volume ls -q --filter "label=$prefix") >/dev/null 2>&1 || true
  docker network rm "$prefix" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

# run NAME HOST_PORT PORT CONFIG [VOLUME]: one redis-server (config on stdin of sh).
run() {
  local name=$1 host_port=$2 port=$3 config=$4 mount=()
  [ -z "${5:-}" ] || mount=(-v "$5:/data")
  docker run -d --name "$name" --label "$prefix" --network "$prefix" --restart unless-stopped \
    -p "$gateway:$host_port:$port" "${mount[@]}" -e CONFIG="$config" "$image" \
    sh -c 'printf "%s\n" "$CONFIG" >/tmp/redis.conf && exec redis-server /tmp/redis.conf '"${6:-}" >/dev/null
}

start=$(date +%s.%N)
docker network create --label "$prefix" --subnet "$subnet" --gateway "$gateway" "$prefix" >/dev/null
for i in $(seq 0 "$replicas"); do
  docker volume create --label "$prefix" "$prefix-data-$i" >/dev/null
  conf="port 6379
dir /data
requirepass \"$password\"
masterauth \"$password\"
replica-announce-ip $gateway
replica-announce-port $((node_base + i))
appendonly yes
repl-diskless-sync yes
repl-diskless-sync-delay 0"
  [ "$i" = 0 ] || conf+=$'\n'"replicaof $gateway $node_base"
  run "$prefix-node-$i" $((node_base + i)) 6379 "$conf" "$prefix-data-$i"
done
for i in $(seq 0 $((sentinels - 1))); do
  conf="port 26379
dir /tmp
requirepass \"$password\"
sentinel announce-ip $gateway
sentinel announce-port $((sentinel_base + i))
sentinel sentinel-pass \"$password\"
sentinel monitor $master_name $gateway $node_base $quorum
sentinel auth-pass $master_name \"$password\"
sentinel down-after-milliseconds $master_name $down_after
sentinel failover-timeout $master_name $failover_timeout"
  run "$prefix-sentinel-$i" $((sentinel_base + i)) 26379 "$conf" "" --sentinel
done

ready() {
  local i online
  for i in $(seq 0 $((sentinels - 1))); do
    [[ $(redis-cli -h "$gateway" -p $((sentinel_base + i)) --no-auth-warning SENTINEL CKQUORUM "$master_name" 2>/dev/null) == OK* ]] ||
      return 1
  done
  online=$(redis-cli -h "$gateway" -p "$node_base" --no-auth-warning INFO replication 2>/dev/null | grep -c 'state=online' || true)
  [ "$online" = "$replicas" ]
}
deadline=$((SECONDS + 60))
until ready; do
  [ $SECONDS -lt $deadline ] || { echo "bench-up-plain: not ready after 60 s" >&2; exit 1; }
  sleep 0.05
done
awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'
