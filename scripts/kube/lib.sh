# shellcheck shell=bash disable=SC2034
# Shared settings and helpers of scripts/kube/{up,down}.sh (sourced, not run).
# Every path the local cluster writes is under .tools/kube/run (git-ignored), except
# the few host paths the kubelet/containerd/CNI hard-code; down.sh removes those too.

KUBE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=${KUBE_TOOLS_DIR:-$KUBE_ROOT/.tools/kube}
BIN=$TOOLS/bin
RUN=$TOOLS/run
LOGS=$RUN/logs
PKI=$RUN/pki
PIDS=$RUN/pids
export PATH=$BIN:/usr/local/sbin:/usr/sbin:/sbin:$PATH

# Network: a bridge with no ports carries the node/API address, so nothing listens on
# the machine's real interfaces and no Docker subnet (172.16/12) is touched.
NODE_IFACE=${KUBE_NODE_IFACE:-kubehost0}
NODE_IP=${KUBE_NODE_IP:-10.250.0.1}
NODE_NAME=${KUBE_NODE_NAME:-kube-local}
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24   # the first /24 the controller-manager hands to the node
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
CNI_BRIDGE=cni0
FWD_CHAIN=KLOCAL-FORWARD      # our filter/FORWARD accepts for pod traffic (policy is DROP under Docker)
API_PORT=6443
ETCD_CLIENT=127.0.0.1:2379
ETCD_PEER=127.0.0.1:2380
CONTAINERD_SOCK=$RUN/containerd/containerd.sock
PAUSE_IMAGE=$(cat "$TOOLS/images/pause.name" 2>/dev/null || echo registry.k8s.io/pause:3.10.2)
REDIS_IMAGE=${KUBE_REDIS_IMAGE:-redis-sentinel-local:7.0.15}
# The monitor every stack deploys (monitorImage); scripts/build-image.sh builds both.
MONITOR_IMAGE=${KUBE_MONITOR_IMAGE:-redis-sentinel-monitor:local}
PV_COUNT=${KUBE_PV_COUNT:-12}
PV_SIZE=${KUBE_PV_SIZE:-20Gi}
KUBECONFIG_FILE=$RUN/kubeconfig

# Host paths some component hard-codes; removed by down.sh when up.sh created them.
HOST_PATHS=(/var/lib/cni /var/log/containers /var/log/pods /run/netns /etc/cni /opt/cni /var/lib/kubelet
            /var/run/kubernetes /opt/containerd /usr/libexec/kubernetes)
# Sysctls the kubelet/kube-proxy/CNI may set; down.sh puts the recorded values back.
HOST_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
              kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
              net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables
              net.bridge.bridge-nf-call-ip6tables net.netfilter.nf_conntrack_max
              net.netfilter.nf_conntrack_tcp_timeout_established
              net.netfilter.nf_conntrack_tcp_timeout_close_wait)
HOST_STATE=$TOOLS/host-state   # outside RUN: it must outlive a failed up

log() { printf '%s %s: %s\n' "$(date +%H:%M:%S)" "${KUBE_SCRIPT:-kube}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

kc() { kubectl --kubeconfig "$KUBECONFIG_FILE" "$@"; }
ctrk() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
# has_image REF: containerd lists REF. The list is captured first: under pipefail, grep -q
# leaving at the first match would kill ctr with SIGPIPE and fail the check at random
# (it did in CI: "containerd has no redis-sentinel-local" right after a good import).
has_image() { local refs; refs=$(ctrk images ls -q) && grep -qxF "$1" <<<"$refs"; }

# write FILE: stdin to FILE, leaving FILE untouched when the content is the same
# (kube-proxy exits when its config file is written to).
write() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# alive PID: the process exists and is not a zombie (PID 1 here may reap late).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }

# pid_of NAME: prints the pid of a component started by up.sh if it still runs.
pid_of() {
  local f=$PIDS/$1.pid p
  [ -f "$f" ] || return 1
  p=$(cat "$f")
  [ -n "$p" ] && alive "$p" && grep -qa -- "$(cat "$PIDS/$1.cmd" 2>/dev/null)" "/proc/$p/cmdline" 2>/dev/null || return 1
  echo "$p"
}

# start NAME CMD...: runs CMD detached (own session), logs to $LOGS/NAME.log.
start() {
  local name=$1; shift
  if pid_of "$name" >/dev/null; then log "$name already running"; return; fi
  mkdir -p "$LOGS" "$PIDS"
  log "starting $name"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  basename "$1" >"$PIDS/$name.cmd"
  sleep 0.3
  if ! pid_of "$name" >/dev/null; then
    tail -n 20 "$LOGS/$name.log" >&2 || true
    die "$name exited at once (log: $LOGS/$name.log)"
  fi
}

# stop NAME [TIMEOUT]: SIGTERM, then SIGKILL after TIMEOUT seconds (default 15).
stop() {
  local name=$1 timeout=${2:-15} p i
  if p=$(pid_of "$name"); then
    log "stopping $name ($p)"
    # start() made it a session/process-group leader: signal the group (scripts' children too)
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do alive "$p" || break; sleep 0.1; done
    if alive "$p"; then kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; sleep 0.5; fi
  fi
  rm -f "$PIDS/$name.pid" "$PIDS/$name.cmd"
}

# wait_for SECONDS DESCRIPTION CMD...: retries CMD every second.
wait_for() {
  local secs=$1 what=$2 i; shift 2
  for ((i = 0; i < secs; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "timed out after ${secs}s waiting for $what (logs: $LOGS)"
}
