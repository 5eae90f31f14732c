#!/usr/bin/env bash
# Runs the full fault matrix against a deployed Docker stack (default: local)
# and prints the report table. Use a prod-like profile to see the
# min-replicas-to-write bound on a partitioned master, e.g.
#   pulumi config set minReplicasToWrite 1 && pulumi config set minReplicasMaxLag 2 && make up
# Usage: scripts/fault-matrix.sh [stack] [--fast]
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:-local}
shift || true
source scripts/env.sh
go build -o bin/redis-sentinel ./cmd/redis-sentinel
exec ./bin/redis-sentinel matrix --stack "$stack" "$@"
