#!/usr/bin/env bash
# Operate the Docker Compose deployment (docker/compose.yaml) from any directory:
#   docker/deploy.sh help
# Works with `docker compose` (v2) or `docker-compose` (v1.29), whichever is installed. Secrets live in
# docker/.env (cp docker/.env.example docker/.env and fill it, or `deploy.sh init`).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ENV_FILE=${MPC_ENV_FILE:-$HERE/.env}
PROJECT=${COMPOSE_PROJECT_NAME:-mpc}
BACKUP_DIR=${MPC_BACKUP_DIR:-$HERE/backups}
PARTIES=(party-1 party-2 party-3 delegate)
MPC_SERVICES=(coordinator "${PARTIES[@]}")

say() { printf 'deploy: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

compose_cmd() {
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
  else
    die "neither 'docker compose' nor 'docker-compose' is installed"
  fi
}

dc() { "${COMPOSE[@]}" --project-name "$PROJECT" --env-file "$ENV_FILE" -f "$HERE/compose.yaml" "$@"; }

env_get() { sed -n "s/^$1=//p" "$ENV_FILE" | tail -1; }

env_set() {
  local tmp
  tmp=$(mktemp "$ENV_FILE.XXXXXX")
  if grep -q "^$1=" "$ENV_FILE"; then
    sed "s|^$1=.*|$1=$2|" "$ENV_FILE" >"$tmp"
  else
    cat "$ENV_FILE" >"$tmp"
    printf '%s=%s\n' "$1" "$2" >>"$tmp"
  fi
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
}

check_env() {
  [ -f "$ENV_FILE" ] || die "no $ENV_FILE: cp $HERE/.env.example $ENV_FILE and fill it, or run: $0 init"
  local left
  left=$(grep -nE '^[A-Z0-9_]+=.*CHANGE_ME' "$ENV_FILE" | cut -d= -f1 || true)
  [ -z "$left" ] || die "placeholder values left in $ENV_FILE (line:variable): $(echo "$left" | tr '\n' ' ')— generate each as the comment above it says, or run: $0 init"
  local v
  for v in COORDINATOR_MASTER_KEY PARTY_1_MASTER_KEY PARTY_2_MASTER_KEY PARTY_3_MASTER_KEY DELEGATE_MASTER_KEY; do
    [[ $(env_get "$v") =~ ^[0-9a-fA-F]{64}$ ]] || die "$v in $ENV_FILE must be 64 hex characters: openssl rand -hex 32"
  done
  for v in MPC_API_KEY POSTGRES_PASSWORD MPC_POOL_SECRET MPC_DELEGATE_POOL_SECRET; do
    [ -n "$(env_get "$v")" ] || die "$v is empty in $ENV_FILE"
  done
  [ "$(env_get MPC_POOL_SECRET)" != "$(env_get MPC_DELEGATE_POOL_SECRET)" ] ||
    die "MPC_POOL_SECRET and MPC_DELEGATE_POOL_SECRET must differ"
}

image() { local i; i=$(env_get MPC_IMAGE); echo "${i:-mpc-custody:local}"; }

cmd_init() {
  [ ! -f "$ENV_FILE" ] || die "$ENV_FILE exists; it is not overwritten (edit it, or move it away first)"
  command -v openssl >/dev/null || die "openssl is needed to generate the secrets"
  local tmp line name
  tmp=$(mktemp "$ENV_FILE.XXXXXX")
  while IFS= read -r line; do
    if [[ $line =~ ^([A-Z0-9_]+)=CHANGE_ME$ ]]; then
      name=${BASH_REMATCH[1]}
      case $name in
        POSTGRES_PASSWORD | MPC_API_KEY) line="$name=$(openssl rand -hex 24)" ;;
        *) line="$name=$(openssl rand -hex 32)" ;;
      esac
    fi
    printf '%s\n' "$line"
  done <"$HERE/.env.example" >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
  say "wrote $ENV_FILE with fresh secrets (mode 600); keep a copy somewhere safe: the master keys cannot be recovered"
}

cmd_build() {
  # host network: the build's `npm ci` reaches the registry the way this host does
  docker build --network "${DOCKER_BUILD_NETWORK:-host}" "$@" -f "$HERE/Dockerfile" -t "$(image)" "$ROOT"
}

ensure_image() { docker image inspect "$(image)" >/dev/null 2>&1 || cmd_build; }

# The coordinator's identity, made once in its volume (sealed with its master key); its peer id goes into .env,
# where compose.yaml builds the parties' MPC_COORDINATOR from it.
ensure_identity() {
  local id out
  id=$(env_get MPC_COORDINATOR_PEER_ID)
  if out=$(dc run --rm --no-deps -T coordinator coordinator identity --out /data/identity.key 2>&1); then
    id=$(echo "$out" | grep -E '^12D3KooW' | tail -1)
    [ -n "$id" ] || die "mpc coordinator identity printed no peer id: $out"
    say "made the coordinator identity: $id"
  elif echo "$out" | grep -q 'exists already'; then
    out=$(dc run --rm --no-deps -T coordinator coordinator identity --show /data/identity.key 2>&1) ||
      die "cannot read the coordinator identity: $out"
    local shown
    shown=$(echo "$out" | grep -E '^12D3KooW' | tail -1)
    [ -z "$id" ] || [ "$id" = "$shown" ] || say "MPC_COORDINATOR_PEER_ID in .env was $id; the identity is $shown: fixed"
    id=$shown
  else
    die "could not make the coordinator identity: $out"
  fi
  [ "$(env_get MPC_COORDINATOR_PEER_ID)" = "$id" ] || env_set MPC_COORDINATOR_PEER_ID "$id"
}

wait_ready() {
  local deadline=$((SECONDS + ${1:-120}))
  say "waiting for the coordinator's /readyz"
  until dc exec -T coordinator node -e "fetch('http://127.0.0.1:4000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "the coordinator is not ready after ${1:-120} s; see: $0 logs coordinator"
    sleep 2
  done
  say "coordinator ready; API on http://$(env_get MPC_API_BIND):$(env_get MPC_API_PORT)"
}

cmd_up() {
  check_env
  ensure_image
  dc up -d postgres
  ensure_identity
  dc up -d
  wait_ready 120
}

cmd_down() { dc down "$@"; }

probe() { # service port path -> prints the status line
  dc exec -T "$1" node -e "
    fetch('http://127.0.0.1:$2$3').then(async r => { console.log(r.status + ' ' + (await r.text())); process.exit(r.ok ? 0 : 1); },
      e => { console.log('unreachable ' + (e.cause?.message ?? e.message)); process.exit(1); })" 2>/dev/null || true
}

cmd_health() {
  local bad=0 line s
  line=$(probe coordinator 4000 /health)
  printf '%-12s %s\n' coordinator "${line:-not running}"
  [[ $line == 200* ]] || bad=1
  for s in "${PARTIES[@]}"; do
    line=$(probe "$s" 9464 /health)
    printf '%-12s %s\n' "$s" "${line:-not running}"
    [[ $line == 200* ]] || bad=1
  done
  return $bad
}

cmd_test_api() {
  check_env
  dc exec -T coordinator node /app/docker/test-api.mjs "$@"
}

# backups/<timestamp>/: the database dump, and each party volume as a tar encrypted with BACKUP_PASSPHRASE
# (the shares inside are already sealed by each party's master key; this adds a second lock for the copy).
cmd_backup() {
  check_env
  command -v openssl >/dev/null || die "openssl is needed to encrypt the backups"
  local pass dir s
  pass=$(env_get BACKUP_PASSPHRASE)
  [ -n "$pass" ] || die "set BACKUP_PASSPHRASE in $ENV_FILE (openssl rand -hex 32)"
  dir="$BACKUP_DIR/$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$dir"
  chmod 700 "$BACKUP_DIR" "$dir"
  dc exec -T postgres sh -c 'pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" --format=custom' >"$dir/postgres.dump"
  [ -s "$dir/postgres.dump" ] || die "the database dump is empty"
  for s in coordinator "${PARTIES[@]}"; do
    # paused while copied: LevelDB and the identity are not written half-way through the copy
    local paused=0
    if dc pause "$s" >/dev/null 2>&1; then paused=1; fi
    # read through the service's own container (running or not), as tar from the image's node: no other image
    dc run --rm --no-deps -T --entrypoint node "$s" -e "
      const { spawnSync } = require('node:child_process');
      const r = spawnSync('tar', ['-C', '/data', '--exclude=./admin.sock', '-cf', '-', '.'], { stdio: ['ignore', 'inherit', 'inherit'] });
      process.exit(r.status ?? 1);" |
      BACKUP_PASSPHRASE=$pass openssl enc -aes-256-cbc -pbkdf2 -salt -pass env:BACKUP_PASSPHRASE -out "$dir/$s.tar.enc"
    [ $paused = 0 ] || dc unpause "$s" >/dev/null
    [ -s "$dir/$s.tar.enc" ] || die "the copy of $s is empty"
  done
  chmod 600 "$dir"/*
  say "backup in $dir: $(cd "$dir" && ls | tr '\n' ' ')"
  say "restore a volume copy with: openssl enc -d -aes-256-cbc -pbkdf2 -pass env:BACKUP_PASSPHRASE -in <file> | tar -x"
}

cmd_clean() {
  local answer
  say "this deletes the containers AND the volumes: the database, the coordinator identity and every party's key shares"
  if [ "${1:-}" != "--yes" ]; then
    read -r -p "type 'delete' to go on: " answer
    [ "$answer" = delete ] || die "nothing deleted"
  fi
  dc down --volumes --remove-orphans
}

usage() {
  cat <<USAGE
Usage: docker/deploy.sh <command>

  init                 write docker/.env with fresh random secrets (from .env.example)
  up                   build the image if missing, start everything, make the coordinator identity on first run
  down                 stop and remove the containers (volumes are kept)
  restart              down, then up
  status               the services and their state
  health               /health of the coordinator and of every party
  logs [service]       the logs (all services, or one)
  logs-tail [service]  follow the logs
  shell <service>      a shell in a running service's container
  build                build the image ($(image)) from docker/Dockerfile
  build-no-cache       the same, without the build cache
  infra up|down        the database only
  mpc up|down|restart  the coordinator, the parties and the delegate (the database stays)
  test-api [account]   create an account (or use the given one), sign a random hash, verify the signature
                       independently, print the address
  backup               database dump + encrypted copy of each node volume into docker/backups/<timestamp>/
  clean [--yes]        delete containers and volumes (asks first)
  help                 this text

Compose: docker compose (v2) or docker-compose (v1.29). Env: MPC_ENV_FILE, COMPOSE_PROJECT_NAME (default mpc),
MPC_BACKUP_DIR, DOCKER_BUILD_NETWORK (default host).
USAGE
}

main() {
  local cmd=${1:-help}
  shift || true
  case $cmd in
    help | -h | --help) usage; return 0 ;;
    init) cmd_init; return ;;
  esac
  command -v docker >/dev/null || die "docker is not installed"
  compose_cmd
  case $cmd in
    up) cmd_up ;;
    down) check_env; cmd_down ;;
    restart) check_env; cmd_down; cmd_up ;;
    status) check_env; dc ps ;;
    health) check_env; cmd_health ;;
    logs) check_env; dc logs --no-color "$@" ;;
    logs-tail) check_env; dc logs -f --tail=100 "$@" ;;
    shell)
      [ $# -ge 1 ] || die "shell needs a service: ${MPC_SERVICES[*]} postgres"
      check_env
      dc exec "$1" sh 2>/dev/null || dc exec "$1" node
      ;;
    build) cmd_build ;;
    build-no-cache) cmd_build --no-cache ;;
    infra)
      check_env
      case ${1:-} in
        up) dc up -d postgres ;;
        down) dc stop postgres && dc rm -f postgres ;;
        *) die "infra up|down" ;;
      esac
      ;;
    mpc)
      check_env
      case ${1:-} in
        up) ensure_image; dc up -d postgres; ensure_identity; dc up -d "${MPC_SERVICES[@]}"; wait_ready 120 ;;
        down) dc stop "${MPC_SERVICES[@]}" && dc rm -f "${MPC_SERVICES[@]}" ;;
        restart) dc restart "${MPC_SERVICES[@]}"; wait_ready 120 ;;
        *) die "mpc up|down|restart" ;;
      esac
      ;;
    test-api) cmd_test_api "$@" ;;
    backup) cmd_backup ;;
    clean) check_env; cmd_clean "$@" ;;
    *) usage >&2; die "unknown command: $cmd" ;;
  esac
}

main "$@"
