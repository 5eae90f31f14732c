#!/usr/bin/env bash
# Stops the local Kubernetes that up.sh started and puts the host back as it was:
# kills the pods and every component by the pids up.sh recorded, unmounts what the
# kubelet/containerd mounted, deletes cni0/veths/kubehost0, the KUBE-*/CNI-* iptables
# chains and our FORWARD chain, the kubepods cgroups, restores the sysctls the kubelet
# changes and removes the host paths it created. Docker and its containerd are not
# touched. Cluster state (etcd, PKI, volumes) is deleted; the logs are kept in
# .tools/kube/last-logs/. Idempotent: safe to run when nothing (or half) is up.
#
# Usage: scripts/kube/down.sh
set -euo pipefail
export KUBE_SCRIPT=kube/down
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root"

# 1. Node agents first, so nothing restarts what is being stopped.
for c in pv-recycler coredns kube-proxy; do stop "$c" 10; done
stop kubelet 30

# 2. Pods: kill every task of our containerd and delete the containers.
if pid_of containerd >/dev/null && [ -S "$CONTAINERD_SOCK" ]; then
  tasks=$(ctrk tasks ls -q 2>/dev/null || true)
  if [ -n "$tasks" ]; then
    log "killing $(echo "$tasks" | wc -l) containers"
    for t in $tasks; do ctrk tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    sleep 1
    for t in $tasks; do ctrk tasks delete -f "$t" >/dev/null 2>&1 || true; done
  fi
  for c in $(ctrk containers ls -q 2>/dev/null || true); do ctrk containers delete "$c" >/dev/null 2>&1 || true; done
fi
stop containerd 20
# Shims of our containerd (never Docker's: matched on our socket path) and any process
# left in the kubepods cgroups.
for p in $(pgrep -f "containerd-shim.*-address $CONTAINERD_SOCK" || true); do kill -KILL "$p" 2>/dev/null || true; done
{ find /sys/fs/cgroup/*/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null || true; } | sort -u |
  while read -r p; do kill -KILL "$p" 2>/dev/null || true; done

# 3. Control plane.
for c in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$c" 20; done

# 4. Mounts: everything under .tools/kube/run and the pod network namespaces.
unmount_all() {
  local mp
  awk '{print $5}' /proc/self/mountinfo | sed 's/\\040/ /g' |
    { grep -E "^($RUN/|/run/netns/cni-|/var/run/netns/cni-)" || true; } | sort -r |
    while read -r mp; do umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true; done
}
unmount_all; unmount_all   # twice: kubelet's rshared bind mount shadows mounts below it
rm -f /run/netns/cni-* 2>/dev/null || true

# 5. Links: pod veths on cni0, cni0, the node address bridge.
if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
  for l in $(ip -o link show master "$CNI_BRIDGE" | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$l" 2>/dev/null || true
  done
  ip link del "$CNI_BRIDGE" 2>/dev/null || true
fi
ip link del "$NODE_IFACE" 2>/dev/null || true

# 6. iptables: kube-proxy's own cleanup, then any KUBE-*/CNI-*/KLOCAL-* chain that
#    was not there before up.sh (rules jumping to them first, then the chains).
if [ -x "$BIN/kube-proxy" ]; then
  cleanup_log=/dev/null; [ -d "$LOGS" ] && cleanup_log=$LOGS/kube-proxy-cleanup.log
  timeout 60 "$BIN/kube-proxy" --cleanup >>"$cleanup_log" 2>&1 || true
fi
sweep_chains() {
  local ipt=$1 table chain rule rules
  for table in filter nat mangle raw; do
    for chain in $($ipt -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" {print $2}' | grep -E '^(KUBE-|CNI-|KLOCAL-)' || true); do
      grep -q "^:$chain " "$HOST_STATE/iptables-chains" 2>/dev/null && continue
      rules=$($ipt -w -t "$table" -S 2>/dev/null | grep -E -- "-j $chain( |\$)" | grep -v "^-A $chain " || true)
      while read -r rule; do
        if [ -n "$rule" ]; then eval "$ipt -w -t $table -D ${rule#-A }" 2>/dev/null || true; fi
      done <<<"$rules"
      $ipt -w -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $($ipt -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" {print $2}' | grep -E '^(KUBE-|CNI-|KLOCAL-)' || true); do
      grep -q "^:$chain " "$HOST_STATE/iptables-chains" 2>/dev/null && continue
      $ipt -w -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
}
sweep_chains iptables
sweep_chains ip6tables
# nftables: kube-proxy's own tables, and the ip/ip6 tables that iptables-nft created
# for KUBE-* chains (mangle, ip6 filter...) when they were absent before and are empty.
nft list tables 2>/dev/null | while read -r _ fam name; do
  case $fam in ip|ip6) ;; *) continue ;; esac
  grep -qx "table $fam $name" "$HOST_STATE/nft-tables" 2>/dev/null && continue
  content=$(nft list table "$fam" "$name" 2>/dev/null || echo unreadable)
  if [ "$name" = kube-proxy ] ||
     ! grep -qvE '^[[:space:]]*((table|chain) .*\{|type .*;|\}|)[[:space:]]*$' <<<"$content"; then
    nft delete table "$fam" "$name" 2>/dev/null || true
  fi
done

# 7. cgroups the kubelet made (retried: just-killed processes take a moment to leave).
for i in 1 2 3 4 5 6 7 8 9 10; do
  left=$(find /sys/fs/cgroup/*/kubepods -depth -type d 2>/dev/null || true)
  [ -z "$left" ] && break
  for d in $left; do rmdir "$d" 2>/dev/null || true; done
  sleep 0.5
done
[ -z "$(find /sys/fs/cgroup/*/kubepods -type d 2>/dev/null)" ] || log "WARNING: some kubepods cgroups are still busy"

# 8. sysctls and host paths, as recorded by the first up.sh.
if [ -f "$HOST_STATE/sysctls" ]; then
  while IFS='=' read -r k v; do
    if [ "$(sysctl -n "$k" 2>/dev/null)" != "$v" ]; then
      log "restoring $k=$v"
      sysctl -qw "$k=$v" 2>/dev/null || log "WARNING: could not restore $k=$v"
    fi
  done <"$HOST_STATE/sysctls"
fi
if [ -f "$HOST_STATE/absent-paths" ]; then
  while read -r p; do
    if [ -n "$p" ] && [ -e "$p" ]; then log "removing $p"; rm -rf "$p"; fi
  done <"$HOST_STATE/absent-paths"
fi

# 9. Cluster state; keep the logs of the run for a post-mortem.
if [ -d "$RUN" ]; then
  rm -rf "$TOOLS/last-logs"
  [ -d "$LOGS" ] && mv "$LOGS" "$TOOLS/last-logs"
  if grep -q " $RUN/" /proc/self/mountinfo; then
    log "WARNING: mounts left under $RUN; not deleting it"
  else
    rm -rf "$RUN"
  fi
fi
rm -rf "$HOST_STATE"
log "down; logs of the run in $TOOLS/last-logs"
