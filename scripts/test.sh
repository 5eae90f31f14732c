#!/usr/bin/env bash
# The project's test command: unit tests (Pulumi mocks, golden configs) and
# integration tests (real redis processes, real Docker, real `pulumi up`).
# Missing prerequisites are reported as SKIP lines with the reason (in CI, with
# CI set, they fail).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# -p 1: one test binary at a time. The end-to-end packages (test/integration,
# test/clients) time failovers on real Docker and Kubernetes clusters; run side by
# side on two cores they starve each other's sentinels and kubelet, and a
# measurement stops meaning anything (CI saw a rolling change fail that way).
exec go run gotest.tools/gotestsum@v1.13.0 --format testname --format-hide-empty-pkg \
  -- -count=1 -p 1 -timeout 40m "${@:-./...}"
