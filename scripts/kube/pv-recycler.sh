#!/usr/bin/env bash
# Started by up.sh (not meant to be run by hand): a static-PV "recycler" for the
# `local` StorageClass. A PersistentVolume whose claim was deleted turns Released and
# would never bind again; this wipes its hostPath directory and drops the claimRef so
# it is Available for the next claim. Polls every 5 seconds; down.sh stops it.
set -uo pipefail
export KUBE_SCRIPT=kube/pv-recycler
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

while true; do
  kc get pv -l kube-local/pv=true -o \
    jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{" "}{.spec.hostPath.path}{"\n"}{end}' 2>/dev/null |
    while read -r name path; do
      [ -n "$name" ] || continue
      case $path in "$RUN"/pv/*) ;; *) continue ;; esac   # never wipe anything else
      find "$path" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
      chmod 0777 "$path"
      kc patch pv "$name" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null &&
        log "recycled $name"
    done
  sleep 5
done
