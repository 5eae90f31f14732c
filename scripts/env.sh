# Sourced by the other scripts: the offline Pulumi environment for this repo.
# A team's own PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE(_FILE) / secrets
# provider are kept; otherwise state goes to a file backend in an ignored folder
# and a random passphrase is generated there once.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="${TOOLS_DIR:-$repo_root/.tools}/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
# setup installs every plugin the stacks use. Without this, each preview/up spends
# ~2.5 s offline retrying the download of "cloud-sdk": the Go language host (sdk
# v3.66.0) takes every github.com/pulumi/pulumi-* module in go.mod for a provider,
# including pulumi-cloud-sdk/go, an indirect dependency of the automation API.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
# No VCS stamp in what go builds here (the stack program above all): with one, the
# tree turning "modified" (`make up` writing the password into Pulumi.<stack>.yaml, a
# tracked file) makes go build re-link the program (4.5 s) before the next `pulumi up`.
case " ${GOFLAGS:-} " in
  *" -buildvcs="*) ;;
  *) export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false" ;;
esac
# build_stack_program: the build the Go language host runs before every preview/up,
# `go build -o <Pulumi.yaml's buildTarget>` in the project, so the next one finds
# the program up to date.
build_stack_program() {
  (cd "$repo_root" && go build -o "$(sed -n 's/^ *buildTarget: *//p' Pulumi.yaml)" .)
}
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  mkdir -p "$repo_root/.pulumi-state"
  export PULUMI_BACKEND_URL="file://$repo_root/.pulumi-state"
fi
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$repo_root/.pulumi-state/passphrase"
  if [ ! -s "$passphrase_file" ]; then
    mkdir -p "$repo_root/.pulumi-state"
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n=+/' >"$passphrase_file")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi
