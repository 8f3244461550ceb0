#!/usr/bin/env bash
# Writes the secret files an overlay's kustomization generates its Secrets and ConfigMap from, into
# k8s/overlays/<overlay>/secrets/ (ignored by git). Run once per installation; it never overwrites a file.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: k8s/generate-secrets.sh <dev|prod> [--dir OVERLAY_DIR]

Writes into OVERLAY_DIR/secrets/ (default: k8s/overlays/<overlay>/secrets/), each file 0600:
  coordinator-master-key, party-master-key, delegate-master-key   64 hex chars each (openssl rand -hex 32)
  api-key                 the coordinator's API key (clients send it as X-API-Key)
  pool-secret             admits persistent parties (any number: this is how scaled-up parties join)
  delegate-pool-secret    admits the delegate
  coordinator-identity.key  the coordinator's libp2p identity (mpc coordinator identity)
  coordinator.env         MPC_COORDINATOR=/dns4/mpc-coordinator.<namespace>.svc/tcp/7000/p2p/<its peer id>
  database-url            dev: the in-cluster PostgreSQL's URL (and postgres-password);
                          prod: taken from $DATABASE_URL or the file named by $DATABASE_URL_FILE

Existing files are kept (delete one to make it again; a new master key makes the data sealed with the old
one unreadable, see k8s/README.md).

The identity is made by the mpc CLI: $MPC_CLI if set (a command, e.g. "node cli/bin.js"); else the image
$MPC_IMAGE (default mpc-custody:local) through docker, if docker runs and the image exists; else this
checkout's cli/bin.js (after npm ci).

Environment: NAMESPACE (default mpc, the overlays' namespace), MPC_CLI, MPC_IMAGE, DATABASE_URL, DATABASE_URL_FILE.
EOF
}

overlay=
dir=
while (($# > 0)); do
  case $1 in
  -h | --help)
    usage
    exit 0
    ;;
  --dir)
    dir=${2:?--dir needs a directory}
    shift 2
    ;;
  dev | prod)
    overlay=$1
    shift
    ;;
  *)
    echo "generate-secrets: unknown argument '$1'" >&2
    usage >&2
    exit 2
    ;;
  esac
done
if [[ -z $overlay ]]; then
  usage >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
dir=${dir:-$here/overlays/$overlay}
out=$dir/secrets
namespace=${NAMESPACE:-mpc}
image=${MPC_IMAGE:-mpc-custody:local}

die() {
  echo "generate-secrets: $*" >&2
  exit 1
}

command -v openssl >/dev/null 2>&1 || die "openssl is missing: install it (Debian: apt-get install openssl)"
[[ -f $dir/kustomization.yaml ]] || die "$dir has no kustomization.yaml: name an overlay directory"
mkdir -p "$out"
umask 077

# Writes stdin to secrets/NAME unless that file exists; says which.
put() {
  local name=$1 tmp
  if [[ -e $out/$name ]]; then
    cat >/dev/null
    echo "kept     $out/$name"
    return 0
  fi
  tmp=$(mktemp "$out/.$name.XXXXXX")
  cat >"$tmp"
  [[ -s $tmp ]] || {
    rm -f "$tmp"
    die "no value for $name"
  }
  mv "$tmp" "$out/$name"
  echo "wrote    $out/$name"
}

hex32() { openssl rand -hex 32; }

hex32 | put coordinator-master-key
hex32 | put party-master-key
hex32 | put delegate-master-key
hex32 | put api-key
hex32 | put pool-secret
hex32 | put delegate-pool-secret

case $overlay in
dev)
  hex32 | put postgres-password
  # The URL follows the password file, so that regenerating one without the other is caught here.
  if [[ ! -e $out/database-url ]]; then
    printf 'postgres://mpc:%s@mpc-postgres.%s.svc:5432/mpc\n' "$(tr -d '\n' <"$out/postgres-password")" "$namespace" |
      put database-url
  else
    grep -qF "$(tr -d '\n' <"$out/postgres-password")" "$out/database-url" ||
      die "$out/database-url does not hold the password in $out/postgres-password: delete both and run again"
    echo "kept     $out/database-url"
  fi
  ;;
prod)
  if [[ -e $out/database-url ]]; then
    echo "kept     $out/database-url"
  elif [[ -n ${DATABASE_URL_FILE:-} ]]; then
    [[ -r $DATABASE_URL_FILE ]] || die "DATABASE_URL_FILE=$DATABASE_URL_FILE is not a readable file"
    put database-url <"$DATABASE_URL_FILE"
  elif [[ -n ${DATABASE_URL:-} ]]; then
    printf '%s\n' "$DATABASE_URL" | put database-url
  else
    die "prod needs the external database: set DATABASE_URL=postgres://user:password@host:5432/db (or DATABASE_URL_FILE) and run again"
  fi
  ;;
esac

# The coordinator's identity: made once, kept; its peer id goes into coordinator.env for the parties.
identity=$out/coordinator-identity.key
if [[ -e $identity && -e $out/coordinator.env ]]; then
  echo "kept     $identity"
  echo "kept     $out/coordinator.env"
  exit 0
fi
[[ -e $identity ]] && die "$identity exists but coordinator.env does not: delete $identity (the coordinator gets a new peer id) and run again"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$out/coordinator-master-key" "$work/master-key"

# Runs `mpc coordinator identity --out <work>/identity.key` with the coordinator's master key; prints its output.
run_identity() {
  if [[ -n ${MPC_CLI:-} ]]; then
    # shellcheck disable=SC2086 # MPC_CLI is a command line on purpose
    CRYPTO_MASTER_KEY_FILE=$work/master-key $MPC_CLI coordinator identity --out "$work/identity.key"
  elif command -v docker >/dev/null 2>&1 && docker image inspect "$image" >/dev/null 2>&1; then
    chmod 0755 "$work"
    chmod 0644 "$work/master-key" # readable inside the container; the directory is removed on exit
    docker run --rm --network none --user "$(id -u):$(id -g)" -v "$work:/out" \
      -e CRYPTO_MASTER_KEY_FILE=/out/master-key "$image" coordinator identity --out /out/identity.key
  elif [[ -f $repo/cli/bin.js ]] && command -v node >/dev/null 2>&1; then
    CRYPTO_MASTER_KEY_FILE=$work/master-key node "$repo/cli/bin.js" coordinator identity --out "$work/identity.key"
  else
    die "cannot run 'mpc coordinator identity': build the image (docker build -t $image -f docker/Dockerfile .), or run npm ci in $repo, or set MPC_CLI"
  fi
}

printed=$(run_identity) || die "'mpc coordinator identity' failed (output above)"
[[ -s $work/identity.key ]] || die "'mpc coordinator identity' wrote no identity file"
# An Ed25519 libp2p peer id: base58btc, "12D3KooW" and 44 more characters.
peer_id=$(printf '%s\n' "$printed" | grep -oE '12D3KooW[1-9A-HJ-NP-Za-km-z]{44}' | head -n 1) ||
  true
[[ -n $peer_id ]] || die "'mpc coordinator identity' printed no peer id (it printed: $printed)"

put coordinator-identity.key <"$work/identity.key"
printf 'MPC_COORDINATOR=/dns4/mpc-coordinator.%s.svc/tcp/7000/p2p/%s\n' "$namespace" "$peer_id" | put coordinator.env
echo "coordinator peer id: $peer_id"
