#!/usr/bin/env bash
# How fast `pulumi up` brings the local stack up, side by side with a plain script.
# Prints the median of N runs (and every run) of:
#   up (empty -> healthy)  `pulumi up` on an empty stack until `redis-sentinel verify` passes
#   plain docker run       the same topology by hand (bench-up-plain.sh: same image,
#                          network, ports, volumes, password, quorum and timers) until
#                          every sentinel answers CKQUORUM OK and the master has all
#                          its replicas online
#   ratio                  the two, per run
#   no-change up / preview `pulumi up` / `pulumi preview` on the deployed stack (peak RSS
#                          of the whole process tree, from /usr/bin/time when present)
# and, next to each, the figure issue 11 measured before any change (BEFORE_*).
# Usage: scripts/bench-up.sh [runs] [stack]     (make setup first; the stack must be down)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
stack=${2:-local}
source scripts/env.sh
# This bench on commit bbd2bf7, before the changes for issue 11 (2 cores, warm caches).
BEFORE_UP=27.8 BEFORE_PLAIN=4.2 BEFORE_RATIO=6.62 BEFORE_NOCHANGE=9.0 BEFORE_PREVIEW=8.5 BEFORE_RSS=1340

log() { printf 'bench-up: %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

go build -o bin/redis-sentinel ./cmd/redis-sentinel
# No run pays for a re-link after a source change.
build_stack_program
pulumi stack select --create "$stack" >/dev/null
pulumi config get password >/dev/null 2>&1 || {
  log "stack $stack has no password: run 'make up' once (it generates one), then 'make down'"
  exit 2
}
if [ "$(pulumi stack --show-urns 2>/dev/null | grep -c 'docker:index/container:Container')" != 0 ]; then
  log "stack $stack is deployed: 'make down STACK=$stack' first (the bench creates and destroys it)"
  exit 2
fi

# timed_pulumi OUT_SECONDS OUT_RSS_MB ARGS...: runs pulumi, prints nothing unless it fails.
timed_pulumi() {
  local out=$1 rss=$2 log_file start
  shift 2
  log_file=$(mktemp)
  start=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$log_file.rss" pulumi "$@" --stack "$stack" --non-interactive >"$log_file" 2>&1 ||
      { cat "$log_file" >&2; exit 1; }
    printf -v "$rss" '%d' "$(( $(tail -n 1 "$log_file.rss") / 1024 ))"
  else
    pulumi "$@" --stack "$stack" --non-interactive >"$log_file" 2>&1 || { cat "$log_file" >&2; exit 1; }
    printf -v "$rss" '%s' '-'
  fi
  printf -v "$out" '%s' "$(elapsed "$start" "$(now)")"
  rm -f "$log_file" "$log_file.rss"
}

# verify_until_healthy: polls the verifier (each run reads the stack's outputs, as a
# user's gate does) until it passes, at most 60 s.
verify_until_healthy() {
  local deadline=$((SECONDS + 60))
  until ./bin/redis-sentinel verify --stack "$stack" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { ./bin/redis-sentinel verify --stack "$stack" >&2 || true; return 1; }
    sleep 0.1
  done
}

ups='' plains='' ratios='' nochanges='' previews='' nochange_rss='' preview_rss=''
for run in $(seq "$runs"); do
  log "run $run/$runs: pulumi up (empty -> healthy)"
  start=$(now)
  timed_pulumi up_only _ up --yes --skip-preview
  verify_until_healthy
  up=$(elapsed "$start" "$(now)")
  timed_pulumi nochange nc_rss up --yes --skip-preview
  timed_pulumi preview pv_rss preview
  log "run $run/$runs: up ${up}s (pulumi up ${up_only}s), no-change up ${nochange}s, preview ${preview}s"
  pulumi destroy --yes --skip-preview --non-interactive --stack "$stack" >/dev/null

  log "run $run/$runs: plain docker run script"
  plain=$(bash scripts/bench-up-plain.sh "$stack")
  ratio=$(awk -v a="$up" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')
  log "run $run/$runs: plain ${plain}s, ratio ${ratio}x"
  ups+=" $up" plains+=" $plain" ratios+=" $ratio" nochanges+=" $nochange" previews+=" $preview"
  nochange_rss+=" $nc_rss" preview_rss+=" $pv_rss"
done

row() { printf '%-34s %10s %10s   %s\n' "$@"; }
echo
echo "bench-up: stack $stack, median of $runs runs ($(nproc) cores, $(docker version -f '{{.Server.Version}}' 2>/dev/null) Docker)"
row "measure" "now" "before" "every run"
row "up, empty -> healthy (s)" "$(median <<<"$ups")" "$BEFORE_UP" "$ups"
row "plain docker run script (s)" "$(median <<<"$plains")" "$BEFORE_PLAIN" "$plains"
row "ratio up / plain" "$(median <<<"$ratios")x" "${BEFORE_RATIO}x" "$ratios"
row "no-change up (s)" "$(median <<<"$nochanges")" "$BEFORE_NOCHANGE" "$nochanges"
row "no-change preview (s)" "$(median <<<"$previews")" "$BEFORE_PREVIEW" "$previews"
row "no-change up peak RSS (MB)" "$(median <<<"$nochange_rss")" "$BEFORE_RSS" "$nochange_rss"
row "no-change preview peak RSS (MB)" "$(median <<<"$preview_rss")" "" "$preview_rss"
