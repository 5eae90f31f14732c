#!/usr/bin/env bash
# Starts a real single-node Kubernetes v1.37 on this machine from the binaries that
# build.sh made: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, a
# private containerd (own socket/root/state under .tools/kube/run, apart from Docker's),
# kubelet, kube-proxy (iptables), CoreDNS as a host process serving cluster.local, and
# a default StorageClass `local` backed by pre-created hostPath PersistentVolumes.
# Then checks the node is Ready, a pod runs the Redis image, and cluster DNS answers.
#
# Usage: scripts/kube/up.sh          (idempotent: components already up are kept)
#        scripts/kube/up.sh --control-plane   etcd and kube-apiserver only (build.sh
#                                   --control-plane suffices): for server-side dry-runs
#        KUBE_UP_SKIP_CHECKS=1 scripts/kube/up.sh   to skip the smoke pod
# Then:  export KUBECONFIG=$PWD/.tools/kube/run/kubeconfig
# Logs:  .tools/kube/run/logs/<component>.log       Stop: scripts/kube/down.sh
set -euo pipefail
export KUBE_SCRIPT=kube/up
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (containerd, kubelet and iptables need it)"
t0=$(date +%s)
mode=${1:-}
if [ "$mode" = --control-plane ]; then
  bash "$KUBE_ROOT/scripts/kube/build.sh" --control-plane
else
  bash "$KUBE_ROOT/scripts/kube/build.sh"
fi
mkdir -p "$RUN" "$LOGS" "$PKI" "$PIDS"

# --- record the host state once, so down.sh can put it back -----------------------------
record_host_state() {
  [ -f "$HOST_STATE/recorded" ] && return
  mkdir -p "$HOST_STATE"
  local p k
  : >"$HOST_STATE/absent-paths"
  for p in "${HOST_PATHS[@]}"; do [ -e "$p" ] || echo "$p" >>"$HOST_STATE/absent-paths"; done
  : >"$HOST_STATE/sysctls"
  for k in "${HOST_SYSCTLS[@]}"; do
    sysctl -n "$k" >/dev/null 2>&1 && printf '%s=%s\n' "$k" "$(sysctl -n "$k")" >>"$HOST_STATE/sysctls"
  done
  { iptables-save; ip6tables-save; } 2>/dev/null | grep -E '^(\*|:)' >"$HOST_STATE/iptables-chains" || true
  nft list tables >"$HOST_STATE/nft-tables" 2>/dev/null || true
  touch "$HOST_STATE/recorded"
}

# --- network: node address on a port-less bridge, forwarding for the pod CIDR ------------
setup_network() {
  if ! ip link show "$NODE_IFACE" >/dev/null 2>&1; then
    log "creating $NODE_IFACE with $NODE_IP"
    ip link add "$NODE_IFACE" type bridge
  fi
  grep -q " $NODE_IP/" <<<"$(ip addr show dev "$NODE_IFACE")" || ip addr add "$NODE_IP/32" dev "$NODE_IFACE"
  ip link set "$NODE_IFACE" up
  sysctl -qw net.ipv4.ip_forward=1
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || modprobe br_netfilter 2>/dev/null || true
  # Docker sets FORWARD's policy to DROP; accept pod traffic in a chain of our own.
  iptables -w -N "$FWD_CHAIN" 2>/dev/null || true
  iptables -w -F "$FWD_CHAIN"
  iptables -w -A "$FWD_CHAIN" -s "$POD_CIDR" -j ACCEPT
  iptables -w -A "$FWD_CHAIN" -d "$POD_CIDR" -j ACCEPT
  iptables -w -C FORWARD -j "$FWD_CHAIN" 2>/dev/null || iptables -w -I FORWARD 1 -j "$FWD_CHAIN"
}

# --- PKI (openssl, ECDSA P-256) -----------------------------------------------------------
# cert NAME CN [O] [SAN]: a client/server certificate signed by the cluster CA.
cert() {
  local name=$1 cn=$2 org=${3:-} san=${4:-} subj
  [ -f "$PKI/$name.crt" ] && return
  subj="/CN=$cn"; [ -n "$org" ] && subj="/O=$org$subj"
  local ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth"
  [ -n "$san" ] && ext+=$'\n'"subjectAltName=$san"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/${5:-ca}.crt" -CAkey "$PKI/${5:-ca}.key" \
    -CAcreateserial -days 3650 -extfile <(echo "$ext") -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

ca() {
  local name=$1 cn=$2
  [ -f "$PKI/$name.crt" ] && return
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -keyout "$PKI/$name.key" -out "$PKI/$name.crt" -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

# kubeconfig FILE USER-CERT-NAME
kubeconfig() {
  local file=$1 name=$2
  [ -f "$file" ] && return
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kube-local
  cluster:
    server: https://$NODE_IP:$API_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$name.crt")
    client-key-data: $(base64 -w0 <"$PKI/$name.key")
contexts:
- name: kube-local
  context: {cluster: kube-local, user: $name}
current-context: kube-local
EOF
  chmod 600 "$file"
}

setup_pki() {
  ca ca kube-local-ca
  ca front-proxy-ca kube-local-front-proxy-ca
  cert apiserver kube-apiserver "" "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,DNS:$NODE_NAME,IP:127.0.0.1,IP:$NODE_IP,IP:$API_SERVICE_IP"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert front-proxy-client front-proxy-client "" "" front-proxy-ca
  cert kubelet-server "$NODE_NAME" "" "DNS:$NODE_NAME,DNS:localhost,IP:$NODE_IP,IP:127.0.0.1"
  cert admin kubernetes-admin system:masters
  cert controller-manager system:kube-controller-manager
  cert scheduler system:kube-scheduler
  cert kubelet "system:node:$NODE_NAME" system:nodes
  cert kube-proxy system:kube-proxy
  cert coredns system:coredns
  if [ ! -f "$PKI/sa.key" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$PKI/sa.key" 2>/dev/null
    openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  chmod 600 "$PKI"/*.key
  kubeconfig "$KUBECONFIG_FILE" admin
  local c
  for c in controller-manager scheduler kubelet kube-proxy coredns; do kubeconfig "$RUN/$c.kubeconfig" "$c"; done
}

# --- control plane --------------------------------------------------------------------------
start_etcd() {
  start etcd "$BIN/etcd" --name "$NODE_NAME" --data-dir "$RUN/etcd" \
    --listen-client-urls "http://$ETCD_CLIENT" --advertise-client-urls "http://$ETCD_CLIENT" \
    --listen-peer-urls "http://$ETCD_PEER" --initial-advertise-peer-urls "http://$ETCD_PEER" \
    --initial-cluster "$NODE_NAME=http://$ETCD_PEER" --listen-metrics-urls "" \
    --quota-backend-bytes 2147483648 --snapshot-count 10000 --log-level warn
  wait_for 60 etcd curl -fsS "http://$ETCD_CLIENT/health"
}

start_apiserver() {
  start kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address "$NODE_IP" --bind-address "$NODE_IP" --secure-port "$API_PORT" \
    --etcd-servers "http://$ETCD_CLIENT" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --client-ca-file "$PKI/ca.crt" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --requestheader-group-headers X-Remote-Group --requestheader-username-headers X-Remote-User \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --cert-dir "$RUN/apiserver" --profiling=false --event-ttl 1h
  wait_for 120 kube-apiserver kc get --raw /readyz
}

start_controllers() {
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$RUN/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$RUN/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
    --use-service-account-credentials=true \
    --allocate-node-cidrs=true --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 \
    --service-cluster-ip-range "$SERVICE_CIDR" --cert-dir "$RUN/controller-manager" \
    --controllers '*,bootstrapsigner,tokencleaner'
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig "$RUN/scheduler.kubeconfig" \
    --authorization-kubeconfig "$RUN/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --cert-dir "$RUN/scheduler"
}

# --- node: containerd, kubelet, kube-proxy ----------------------------------------------------
start_containerd() {
  mkdir -p "$RUN/containerd" "$RUN/cni/net.d" "$RUN/cni/ipam"
  write "$RUN/containerd/config.toml" <<EOF
# Private containerd of the local Kubernetes node; Docker's containerd is untouched.
version = 2
root = "$RUN/containerd/root"
state = "$RUN/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$RUN/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # no CAP_SYS_RESOURCE here: never ask for an oom_score_adj below containerd's own
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$RUN/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RUN/cni/net.d"
    max_conf_num = 1
EOF
  # Bridge CNI without ipMasq/portmap: it adds no iptables rules of its own.
  write "$RUN/cni/net.d/10-kube-local.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kube-local",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$RUN/cni/ipam",
        "ranges": [[{"subnet": "$NODE_POD_CIDR"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
EOF
  start containerd /usr/bin/containerd --config "$RUN/containerd/config.toml"
  wait_for 60 containerd ctrk version
  if ! has_image "$PAUSE_IMAGE"; then
    log "importing $PAUSE_IMAGE"
    ctrk images import "$TOOLS/images/pause.tar" >/dev/null
  fi
  import_image "$REDIS_IMAGE" redis-image.id
  import_image "$MONITOR_IMAGE" monitor-image.id
}

# import_image IMAGE ID_FILE: copies IMAGE from Docker into our containerd (as
# docker.io/library/IMAGE) unless containerd has it and ID_FILE (under $RUN/containerd)
# records the Docker image id it came from. docker save's config digest is the Docker
# image id, which ctr lists as the target's config; simplest robust check: re-import
# when the recorded id differs.
import_image() {
  local image=$1 id_file=$RUN/containerd/$2 want
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    log "WARNING: Docker has no $image (build it with scripts/build-image.sh); pods using it will not start"
    return
  fi
  want=$(docker image inspect -f '{{.Id}}' "$image")
  if [ "$(cat "$id_file" 2>/dev/null)" != "$want" ] || ! has_image "docker.io/library/$image"; then
    log "importing $image from Docker"
    docker save "$image" | ctrk images import - >/dev/null
    echo "$want" >"$id_file"
  fi
}

start_kubelet() {
  mkdir -p "$RUN/kubelet" "$RUN/pod-logs"
  write "$RUN/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-server.crt
tlsPrivateKeyFile: $PKI/kubelet-server.key
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: /etc/resolv.conf
podLogsDir: $RUN/pod-logs
volumePluginDir: $RUN/kubelet/volume-plugins
maxPods: 110
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
rotateCertificates: false
serverTLSBootstrap: false
EOF
  start kubelet "$BIN/kubelet" --config "$RUN/kubelet.yaml" --kubeconfig "$RUN/kubelet.kubeconfig" \
    --root-dir "$RUN/kubelet" --cert-dir "$RUN/kubelet/pki" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
}

start_kube_proxy() {
  write "$RUN/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $RUN/kube-proxy.kubeconfig}
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_IP/32]
oomScoreAdj: 0
iptables: {localhostNodePorts: false, masqueradeAll: false}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  start kube-proxy "$BIN/kube-proxy" --config "$RUN/kube-proxy.yaml"
}

# --- addons: DNS (host process), storage ----------------------------------------------------
start_dns() {
  kc apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:coredns}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: system:coredns}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $DNS_SERVICE_IP
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
---
# CoreDNS runs on the host; this slice points the Service at it.
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-host
  namespace: kube-system
  labels: {kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: kube-local-up}
addressType: IPv4
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
endpoints:
- addresses: [$NODE_IP]
  conditions: {ready: true}
  nodeName: $NODE_NAME
EOF
  write "$RUN/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $RUN/coredns.kubeconfig kube-local
        pods insecure
        ttl 5
    }
}
EOF
  start coredns "$BIN/coredns" -conf "$RUN/Corefile"
}

setup_storage() {
  local i name dir pvs=""
  for ((i = 1; i <= PV_COUNT; i++)); do
    name=$(printf 'local-pv-%02d' "$i"); dir=$RUN/pv/$name
    mkdir -p "$dir"; chmod 0777 "$dir"
    pvs+="---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $name, labels: {kube-local/pv: \"true\"}}
spec:
  capacity: {storage: $PV_SIZE}
  accessModes: [ReadWriteOnce, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local
  hostPath: {path: $dir, type: Directory}
"
  done
  kc apply -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
reclaimPolicy: Retain
volumeBindingMode: Immediate
$pvs
EOF
  # Released volumes are wiped and made Available again (see pv-recycler.sh).
  start pv-recycler "$KUBE_ROOT/scripts/kube/pv-recycler.sh"
}

# --- checks ------------------------------------------------------------------------------------
node_ready() {
  [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

smoke_test() {
  has_image "docker.io/library/$REDIS_IMAGE" ||
    die "containerd has no $REDIS_IMAGE: build it into Docker (scripts/build-image.sh) and rerun up.sh"
  wait_for 120 "the default ServiceAccount" kc -n default get serviceaccount default
  kc -n default delete pod kube-local-smoke --ignore-not-found --wait=true >/dev/null
  kc -n default apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: kube-local-smoke}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - name: smoke
    image: $REDIS_IMAGE
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "redis-server --version && busybox nslookup kubernetes.default.svc.$CLUSTER_DOMAIN"]
EOF
  local phase="" i
  for ((i = 0; i < 120; i++)); do
    phase=$(kc -n default get pod kube-local-smoke -o jsonpath='{.status.phase}' 2>/dev/null || true)
    case $phase in Succeeded|Failed) break ;; esac
    sleep 1
  done
  local out
  out=$(kc -n default logs kube-local-smoke 2>&1 || true)
  printf '%s\n' "$out" | sed 's/^/    smoke| /' >&2
  [ "$phase" = Succeeded ] || die "smoke pod ended as '${phase:-not started}' (see above and $LOGS/kubelet.log)"
  grep -q "Redis server v=" <<<"$out" || die "smoke pod did not print the Redis version"
  grep -q "Address.*$API_SERVICE_IP" <<<"$out" || die "cluster DNS did not resolve kubernetes.default"
  kc -n default delete pod kube-local-smoke --wait=false >/dev/null
  log "smoke test passed: redis image runs, cluster DNS resolves Service names"
}

record_host_state
setup_network
setup_pki
start_etcd
start_apiserver
if [ "$mode" = --control-plane ]; then
  log "control plane up in $(($(date +%s) - t0))s (no node: dry-runs only); logs in $LOGS"
  echo "export KUBECONFIG=$KUBECONFIG_FILE"
  exit 0
fi
start_controllers
start_containerd
start_kubelet
start_kube_proxy
start_dns
setup_storage
wait_for 180 "node $NODE_NAME Ready" node_ready
log "node $NODE_NAME is Ready ($(($(date +%s) - t0))s)"
[ "${KUBE_UP_SKIP_CHECKS:-0}" = 1 ] || smoke_test
log "cluster up in $(($(date +%s) - t0))s; logs in $LOGS"
echo "export KUBECONFIG=$KUBECONFIG_FILE"
