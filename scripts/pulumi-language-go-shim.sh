#!/usr/bin/env bash
# Installed by scripts/toolchain.sh as .tools/bin/pulumi-language-go, in front of the
# Go language host it builds from sdk v3.66.0 (the newest the module proxy serves).
# That host reads the Go runtime options of Pulumi.yaml (`binary`, `buildTarget`) only
# as command-line flags, while CLI 3.274.1 sends them over RPC, so without this shim
# they would be ignored. The CLI starts the language host in the project directory;
# this turns the options there into the flags the old host understands, which is how
# the host bundled with the official CLI honours them. Nothing else changes.
set -euo pipefail
host="$(dirname "$0")/pulumi-language-go-sdk-v3.66.0"

project=''
for f in Pulumi.yaml Pulumi.yml; do [ -f "$f" ] && project=$f && break; done
flags=()
if [ -n "$project" ]; then
  # The block form only: runtime: / name: go / options: / key: value.
  while IFS='=' read -r key value; do
    case $key in
      binary | buildTarget)
        # Relative paths are relative to the project, as Pulumi documents them.
        [[ $value == /* ]] || value="$PWD/$value"
        flags+=("-$key=$value") ;;
    esac
  done < <(awk '
    /^[^[:space:]#]/ { in_runtime = ($0 ~ /^runtime:[[:space:]]*$/); in_options = 0; next }
    in_runtime && /^[[:space:]]+options:[[:space:]]*$/ { in_options = 1; indent = match($0, /[^ ]/); next }
    in_options && /^[[:space:]]*(#|$)/ { next }
    in_options {
      if (match($0, /[^ ]/) <= indent) { in_options = 0; next }
      line = $0; sub(/^[[:space:]]+/, "", line); sub(/[[:space:]]+#.*$/, "", line)
      key = line; sub(/:.*/, "", key); value = line; sub(/^[^:]*:[[:space:]]*/, "", value)
      gsub(/^["\047]|["\047]$/, "", value)
      print key "=" value
    }' "$project")
fi
exec "$host" "${flags[@]}" "$@"
