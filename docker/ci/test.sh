#!/usr/bin/env bash
# The Docker deployment run for real (called by .ci/run as one counted step; exit 0 = passed):
#   docker.io and docker-compose installed if missing, dockerd started if not running; the base images built as
#   local stand-ins when absent (base-images.sh: the machine reaches no image registry); the project image built
#   (docker build --network host); deploy.sh up with a generated .env; /readyz; deploy.sh test-api (an account,
#   a signature verified); one party container killed and a signature made again with the other two; the party
#   restarted (back to ready); deploy.sh backup; deploy.sh down. Everything it made (containers, volumes, the
#   .env, the backups) is removed at the end, also after a failure.
# If Docker cannot run here (no root, no daemon), one line says so and the step fails.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DOCKER_DIR=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$DOCKER_DIR/.." && pwd)
started=$SECONDS

say() { printf 'docker-ci: %s\n' "$*"; }
cannot() {
  say "cannot run the Docker deployment test here: $*"
  exit 1
}

# --- Docker itself -----------------------------------------------------------------------------------------
have_compose() { command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; }
if ! command -v docker >/dev/null 2>&1 || ! have_compose; then
  [ "$(id -u)" = 0 ] || cannot "docker or docker-compose is missing and installing them needs root"
  say "installing docker.io and docker-compose from Debian"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap) >/dev/null ||
    cannot "apt-get install docker.io docker-compose failed"
fi
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || cannot "the docker daemon is not running and starting it needs root"
  say "starting dockerd"
  setsid dockerd >/tmp/mpc-ci-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || cannot "dockerd did not start (see /tmp/mpc-ci-dockerd.log; a container without privileges cannot run it)"
fi
command -v debootstrap >/dev/null 2>&1 || [ "$(id -u)" != 0 ] ||
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap) >/dev/null || true

# --- images ------------------------------------------------------------------------------------------------
t=$SECONDS
"$HERE/base-images.sh"
say "base images ready ($((SECONDS - t)) s)"

# a deployment of its own: its own project name, env file, image tag and backup folder, removed at the end
export COMPOSE_PROJECT_NAME=mpcci$$
work=$(mktemp -d)
export MPC_ENV_FILE=$work/.env
export MPC_BACKUP_DIR=$work/backups
deploy() { "$DOCKER_DIR/deploy.sh" "$@"; }

cleanup() {
  local rc=$?
  if [ $rc != 0 ] && [ -f "$MPC_ENV_FILE" ]; then
    say "failed; the last logs:"
    deploy logs 2>&1 | tail -60 || true
  fi
  [ -f "$MPC_ENV_FILE" ] && deploy clean --yes >/dev/null 2>&1 || true
  rm -rf "$work"
  say "cleaned up (project $COMPOSE_PROJECT_NAME); $((SECONDS - started)) s in all"
  exit $rc
}
trap cleanup EXIT

deploy init
# free host ports for this run's API and p2p (a developer's own deployment may hold 4000/7000)
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
sed -i "s/^MPC_API_PORT=.*/MPC_API_PORT=$(free_port)/; s/^MPC_P2P_PORT=.*/MPC_P2P_PORT=$(free_port)/" "$MPC_ENV_FILE"

t=$SECONDS
deploy build -q >/dev/null
say "image $(sed -n 's/^MPC_IMAGE=//p' "$MPC_ENV_FILE") built ($((SECONDS - t)) s)"

# --- the deployment ----------------------------------------------------------------------------------------
t=$SECONDS
deploy up
say "up and ready ($((SECONDS - t)) s)"
# the parties register through the pool secret: wait until each is ready (registered)
container() { docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" --filter "label=com.docker.compose.service=$1"; }
wait_party() {
  local s=$1 deadline=$((SECONDS + 90))
  until docker exec "$(container "$s")" node -e "fetch('http://127.0.0.1:9464/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { say "$s never became ready"; return 1; }
    sleep 2
  done
}
for s in party-1 party-2 party-3 delegate; do wait_party "$s"; done
say "every party registered (pool secret admission)"
deploy health

t=$SECONDS
deploy test-api | tee "$work/test-api.out"
account=$(sed -n 's/^account  \([^ ]*\).*/\1/p' "$work/test-api.out")
[ -n "$account" ] || { say "test-api printed no account"; exit 1; }
grep -q '^verified: ' "$work/test-api.out"
say "signature verified ($((SECONDS - t)) s)"

# one party killed (SIGKILL): a 2-of-3 account still signs with the other two
docker kill "$(container party-3)" >/dev/null
say "killed party-3"
deploy test-api "$account"
say "signed again without party-3"
docker start "$(container party-3)" >/dev/null
wait_party party-3
say "party-3 restarted and registered again"
deploy test-api

deploy backup
ls -l "$MPC_BACKUP_DIR"/*/
n=$(ls "$MPC_BACKUP_DIR"/*/ | wc -l)
[ "$n" = 6 ] || { say "expected 6 backup files (database + 5 volumes), found $n"; exit 1; }
# a copy opens with the passphrase and holds the node's data (the coordinator's identity file)
pass=$(sed -n 's/^BACKUP_PASSPHRASE=//p' "$MPC_ENV_FILE")
BACKUP_PASSPHRASE=$pass openssl enc -d -aes-256-cbc -pbkdf2 -pass env:BACKUP_PASSPHRASE \
  -in "$(ls "$MPC_BACKUP_DIR"/*/coordinator.tar.enc)" | tar -t | grep -qx './identity.key' ||
  { say "the coordinator's backup does not open or lacks identity.key"; exit 1; }
say "backup written and opened"

deploy down
say "passed ($((SECONDS - started)) s)"
