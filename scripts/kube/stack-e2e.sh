#!/usr/bin/env bash
# The Kubernetes platform's end-to-end proof, in one command: builds (once, cached)
# the local Kubernetes v1.37 and the pulumi-kubernetes plugin, starts the cluster,
# runs the Kubernetes tests (server-side dry-run of the prod stack's objects, and
# `pulumi up` of the prod stack → verify through Sentinel → master pod deleted →
# every pod deleted → `pulumi destroy` leaves nothing), then stops the cluster and
# puts the host back, unless it was already running or KEEP_CLUSTER=1.
#
# Usage: scripts/kube/stack-e2e.sh        (root; cold builds ~45 min, then ~1 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf 'kube/stack-e2e: %s\n' "$*" >&2; }

bash scripts/setup.sh
bash scripts/kube/build.sh
bash scripts/kube/plugin.sh
kubeconfig=$PWD/.tools/kube/run/kubeconfig
if [ -f "$kubeconfig" ] && .tools/kube/bin/kubectl --kubeconfig "$kubeconfig" wait --for=condition=Ready node --all --timeout=5s >/dev/null 2>&1; then
  log "using the running cluster with a Ready node (left running afterwards)"
else
  [ "${KEEP_CLUSTER:-0}" = 1 ] || trap 'bash scripts/kube/down.sh' EXIT
  bash scripts/kube/up.sh
fi
export KUBECONFIG=$kubeconfig REDIS_SENTINEL_KUBE_E2E=1 REDIS_SENTINEL_KUBE_API=1
source scripts/env.sh
# Plain verbose output: the tests log what they measured (up, failover, recovery times).
go test -count=1 -timeout 20m -v -run 'TestKube' ./test/integration/
