#!/usr/bin/env bash
# Measures a deployed stack (default: local, down-after 1000): health-check
# latency, crash drill (write gap, lost writes), safe switchover (pause, lost
# writes) and, for comparison, plain SENTINEL FAILOVER. Prints min/median/max.
# Usage: scripts/bench.sh [stack] [runs]      (make up first)
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:-local}
runs=${2:-5}
source scripts/env.sh
go build -o bin/redis-sentinel ./cmd/redis-sentinel
echo "== health check ($stack, 50 runs)"
./bin/redis-sentinel verify --stack "$stack" --runs 50 | tail -n 2
for drill in crash switchover plain-failover; do
  echo "== $drill drill ($runs runs)"
  ./bin/redis-sentinel drill "$drill" --stack "$stack" --runs "$runs" 2>/dev/null
done
