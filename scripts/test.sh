#!/usr/bin/env bash
# The project's test command: unit tests (Pulumi mocks, golden configs) and
# integration tests (real redis processes, real Docker, real `pulumi up`).
# Missing prerequisites are reported as SKIP lines with the reason (in CI, with
# CI set, they fail).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec go run gotest.tools/gotestsum@v1.13.0 --format testname --format-hide-empty-pkg \
  -- -count=1 -timeout 40m "${@:-./...}"
