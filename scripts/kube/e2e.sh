#!/usr/bin/env bash
# End-to-end check of the cluster up.sh started, in a throw-away namespace: node Ready,
# a StatefulSet of 2 Redis pods behind a headless Service with volumeClaimTemplates
# (PVCs bind to the `local` class), stable per-pod DNS names reached from another pod
# (redis-cli PING), ClusterIP and NodePort Services through kube-proxy, the API
# server's Service from a pod, kubectl exec/logs/port-forward, server-side dry-run,
# and a released volume coming back Available. Exits non-zero on
# the first failure. Takes ~1 min.
#
# Usage: scripts/kube/e2e.sh
set -euo pipefail
export KUBE_SCRIPT=kube/e2e
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

NS=kube-local-e2e
ok() { log "ok: $*"; }
fail() { kc -n "$NS" get pods,pvc -o wide >&2 || true; die "$*"; }
t0=$(date +%s)

[ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] ||
  fail "node $NODE_NAME is not Ready"
ok "node $NODE_NAME Ready"

kc delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
kc create namespace "$NS" >/dev/null
trap 'kc delete namespace "$NS" --wait=false >/dev/null 2>&1 || true' EXIT
wait_for 60 "the default ServiceAccount of $NS" kc -n "$NS" get serviceaccount default

manifest=$(cat <<EOF
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: $NS}
spec:
  clusterIP: None
  selector: {app: redis-e2e}
  ports: [{name: redis, port: 6379}]
---
apiVersion: v1
kind: Service
metadata: {name: redis-rw, namespace: $NS}
spec:
  selector: {app: redis-e2e}
  ports: [{name: redis, port: 6379}]
---
apiVersion: v1
kind: Service
metadata: {name: redis-np, namespace: $NS}
spec:
  type: NodePort
  selector: {app: redis-e2e}
  ports: [{name: redis, port: 6379}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, namespace: $NS}
spec:
  serviceName: redis
  replicas: 2
  selector: {matchLabels: {app: redis-e2e}}
  template:
    metadata: {labels: {app: redis-e2e}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: redis
        image: $REDIS_IMAGE
        imagePullPolicy: IfNotPresent
        args: [redis-server, --dir, /data, --appendonly, "yes", --protected-mode, "no"]
        ports: [{containerPort: 6379}]
        readinessProbe:
          exec: {command: [redis-cli, ping]}
          periodSeconds: 2
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
EOF
)

# Server-side dry-run first: validated and defaulted by the API server, nothing stored.
echo "$manifest" | kc apply --dry-run=server -f - >/dev/null || fail "server-side dry-run failed"
kc -n "$NS" get statefulset redis >/dev/null 2>&1 && fail "dry-run created the StatefulSet"
ok "kubectl apply --dry-run=server"

echo "$manifest" | kc apply -f - >/dev/null
kc -n "$NS" rollout status statefulset/redis --timeout=180s >/dev/null || fail "StatefulSet did not become ready"
for i in 0 1; do
  [ "$(kc -n "$NS" get pvc "data-redis-$i" -o jsonpath='{.status.phase}')" = Bound ] || fail "data-redis-$i not Bound"
done
ok "StatefulSet redis: 2/2 ready, PVCs bound ($(kc -n "$NS" get pvc -o jsonpath='{.items[*].spec.volumeName}'))"

# Persistence on the volume: written through redis-0, file on the hostPath PV.
kc -n "$NS" exec redis-0 -- redis-cli set e2e-key hello >/dev/null || fail "kubectl exec failed"
kc -n "$NS" exec redis-0 -- sh -c 'test -s /data/appendonlydir/*.aof || test -d /data/appendonlydir' || fail "no AOF on the volume"
ok "kubectl exec; data written on the PersistentVolume"

# Stable DNS names and the ClusterIP Service, from another pod.
kc -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - name: client
    image: $REDIS_IMAGE
    imagePullPolicy: IfNotPresent
    command:
    - sh
    - -c
    - |
      set -e
      for h in redis-0.redis redis-1.redis.$NS.svc.$CLUSTER_DOMAIN redis-rw; do
        echo "\$h \$(redis-cli -h \$h ping)"
      done
      echo "get \$(redis-cli -h redis-0.redis get e2e-key)"
      busybox nslookup redis.$NS.svc.$CLUSTER_DOMAIN | grep -c '^Address: 10.244' | sed 's/^/headless-records /'
      busybox nc -w 3 kubernetes.default.svc 443 </dev/null && echo "api-server reachable"
EOF
phase=""
for ((i = 0; i < 90; i++)); do
  phase=$(kc -n "$NS" get pod client -o jsonpath='{.status.phase}' 2>/dev/null || true)
  case $phase in Succeeded|Failed) break ;; esac
  sleep 1
done
out=$(kc -n "$NS" logs client 2>&1 || true)
printf '%s\n' "$out" | sed 's/^/    client| /' >&2
[ "$phase" = Succeeded ] || fail "client pod ended as '$phase'"
for h in redis-0.redis "redis-1.redis.$NS.svc.$CLUSTER_DOMAIN" redis-rw; do
  grep -qx "$h PONG" <<<"$out" || fail "no PONG from $h"
done
grep -qx "get hello" <<<"$out" || fail "read back through DNS name failed"
grep -qx "headless-records 2" <<<"$out" || fail "headless Service does not list both pods"
grep -qx "api-server reachable" <<<"$out" || fail "kubernetes.default:443 not reachable from a pod"
ok "per-pod DNS names, headless and ClusterIP Services, API server reached from another pod"

# From the host: a NodePort on the node address, and kubectl port-forward.
redis_ping() { # HOST PORT: RESP PING over bash's /dev/tcp, no redis-cli needed on the host
  local reply
  exec 3<>"/dev/tcp/$1/$2" || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 5 reply <&3 || true
  exec 3<&- 3>&-
  [ "${reply%$'\r'}" = "+PONG" ]
}
np=$(kc -n "$NS" get service redis-np -o jsonpath='{.spec.ports[0].nodePort}')
wait_for 20 "NodePort $NODE_IP:$np" redis_ping "$NODE_IP" "$np"
ok "NodePort $NODE_IP:$np answers from the host"
kc -n "$NS" port-forward pod/redis-1 16399:6379 >"$LOGS/e2e-port-forward.log" 2>&1 &
pf=$!
wait_for 20 "port-forward 127.0.0.1:16399" redis_ping 127.0.0.1 16399
kill "$pf" 2>/dev/null || true; wait "$pf" 2>/dev/null || true
ok "kubectl port-forward to redis-1 answers on 127.0.0.1:16399"

# A standalone claim binds; once deleted its volume is wiped and Available again.
kc -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: scratch}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 100Mi}}
EOF
pvc_bound() { [ "$(kc -n "$NS" get pvc scratch -o jsonpath='{.status.phase}')" = Bound ]; }
wait_for 30 "PVC scratch Bound" pvc_bound
pv=$(kc -n "$NS" get pvc scratch -o jsonpath='{.spec.volumeName}')
kc -n "$NS" delete pvc scratch --wait=true >/dev/null
pv_available() { [ "$(kc get pv "$pv" -o jsonpath='{.status.phase}')" = Available ]; }
wait_for 60 "PV $pv Available again" pv_available
ok "PVC bound to $pv; after deletion $pv was recycled to Available"

kc delete namespace "$NS" --wait=true --timeout=120s >/dev/null || fail "namespace deletion hung"
trap - EXIT
ok "all checks passed in $(($(date +%s) - t0))s"
