#!/usr/bin/env bash
# Renders every overlay of k8s/ offline, validates every object against the Kubernetes schemas (npm package
# kubernetes-models and its prometheus-operator models), checks the deployment policies and scans k8s/ for
# committed secrets. Needs `npm ci` and a kustomize renderer: kubectl >= 1.27 or kustomize >= 5 on PATH, or
# build/k8s-tools/kubectl from k8s/ci/get-kubectl.sh, or KUBECTL=/path/to/kubectl. Exit status non-zero on any
# problem.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node --import tsx scripts/k8s/validate.ts "$@"
