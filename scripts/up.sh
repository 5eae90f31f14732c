#!/usr/bin/env bash
# Deploys a stack (default: local) and checks it through Sentinel.
# On the stack's first run a random password is generated and stored as an
# encrypted Pulumi secret.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:-local}
source scripts/env.sh
pulumi stack select --create "$stack" >/dev/null
if ! pulumi config get password >/dev/null 2>&1; then
  echo "up: generating a password for stack $stack (stored encrypted in Pulumi.$stack.yaml)" >&2
  head -c 24 /dev/urandom | base64 | tr -d '\n/+=' | pulumi config set --secret password
fi
go build -o bin/redis-sentinel ./cmd/redis-sentinel
# A TLS stack keeps its certificates as stack config, so a password rotation
# leaves them alone (a deployed stack keeps the ones it serves: no change).
# Asked only of TLS stacks: it costs a workspace and three pulumi calls.
if [ "$(pulumi config get tls 2>/dev/null)" = true ]; then
  ./bin/redis-sentinel tls init --stack "$stack" >&2
fi
pulumi up --yes --non-interactive --skip-preview --stack "$stack"
# Kubernetes stacks announce pod DNS names: resolve them through the cluster's DNS
# (this host routes the local cluster's pod network).
verify_flags=()
if [ "$(pulumi config get platform --stack "$stack" 2>/dev/null)" = kubernetes ]; then
  verify_flags=(--dns "${REDIS_SENTINEL_KUBE_DNS:-10.96.0.10:53}")
fi
./bin/redis-sentinel verify --stack "$stack" "${verify_flags[@]}"
# The monitor deployed with the stack: on Docker its /health is on this host's
# loopback; on Kubernetes it is a cluster Service (see the README).
health_url=$(pulumi stack output healthUrl --stack "$stack" 2>/dev/null || true)
if [ -n "$health_url" ] && [ "$(pulumi config get platform --stack "$stack" 2>/dev/null)" != kubernetes ]; then
  ./bin/redis-sentinel probe --timeout 5s "$health_url" >/dev/null 2>&1 ||
    { sleep 2; ./bin/redis-sentinel probe --timeout 5s "$health_url" >/dev/null; }
  echo "monitor: $health_url answers 200 (metrics: $(pulumi stack output metricsUrl --stack "$stack"))"
fi
