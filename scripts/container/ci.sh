#!/usr/bin/env bash
# The container part of CI, on a machine with no Docker engine (called by .ci/run after `npm test`):
#   1. installs podman, buildah, runc and debootstrap from Debian if they are missing;
#   2. builds a stand-in for the Dockerfile's Node base image (make-base-image.sh) and then the real image from
#      the real Dockerfile with `podman build --pull=never`;
#   3. runs the image as the CronWorkflow does against a loopback S3 server and checks what it did (smoke.ts).
# podman gets its own configuration and storage in a temporary folder (runc, cgroupfs, host networking only),
# which is removed at the end with every image and container in it: nothing is left behind, and no bridge
# network or firewall rule is ever created. Needs root and the repository's `npm ci` done (tsx, fauxqs).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
started=$SECONDS
say() { printf 'container-ci: %s\n' "$*"; }

# --- 1. tools ------------------------------------------------------------------------------------------------
missing=()
for tool in podman:podman buildah:buildah runc:runc debootstrap:debootstrap newuidmap:uidmap fuse-overlayfs:fuse-overlayfs; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if ((${#missing[@]} > 0)); then
  say "installing ${missing[*]} (and podman's helpers) from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman buildah runc debootstrap uidmap fuse-overlayfs slirp4netns containernetworking-plugins >/dev/null
fi

# --- 2. a private podman: configuration, storage and runtime state under one temporary folder ------------------
work=$(mktemp -d /var/tmp/xetra-container-ci.XXXXXX)
mkdir -p "$work/tmp" "$work/networks"
cat >"$work/containers.conf" <<EOF
[containers]
# podman's defaults exceed this machine's hard limits.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
# crun rejects this machine's hybrid cgroup setup; runc works.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$work/tmp"
[network]
network_config_dir = "$work/networks"
EOF
cat >"$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
export CONTAINERS_CONF="$work/containers.conf" CONTAINERS_STORAGE_CONF="$work/storage.conf"
# buildah keeps RUN --mount=type=cache folders under $TMPDIR: inside the folder too.
export TMPDIR="$work/tmp"
# containers/image keeps a blob-info cache in /var/lib/containers/cache whatever the storage root: remove it
# afterwards unless it was there before.
[[ -e /var/lib/containers ]] && had_var_lib_containers=1 || had_var_lib_containers=0

cleanup() {
  local rc=$?
  podman rm --all --force --time 0 >/dev/null 2>&1 || true
  podman rmi --all --force >/dev/null 2>&1 || true
  # Unmount whatever storage mounts are left under the folder (deepest first), then remove it.
  findmnt -rn -o TARGET | grep -F "$work/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
  ((had_var_lib_containers)) || rm -rf /var/lib/containers
  for link in cni-podman0 podman0; do
    if ip link show "$link" >/dev/null 2>&1; then say "WARNING: bridge $link exists"; fi
  done
  say "cleaned up (private podman storage removed); total $((SECONDS - started)) s"
  exit "$rc"
}
trap cleanup EXIT

# --- 3. base image and the real image --------------------------------------------------------------------------
t=$SECONDS
base=$(bash scripts/container/make-base-image.sh)
say "base image $base built in $((SECONDS - t)) s"

version=$(node -p "require('./package.json').version")
image="docker.io/library/xetra-etl:$version"
# npm inside the build reaches the registry as npm on this machine does: same CA bundle and global npmrc (the
# stand-in base keeps npm's global config at /usr/local/etc/npmrc). Read-only, and in no layer of the image.
build_mounts=()
[[ -f /etc/ssl/certs/ca-certificates.crt ]] && build_mounts+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
[[ -f /etc/npmrc ]] && build_mounts+=(-v /etc/npmrc:/usr/local/etc/npmrc:ro)
t=$SECONDS
podman build --pull=never --network host --layers=false --force-rm --quiet \
  "${build_mounts[@]}" -f Dockerfile -t "$image" . >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log"
  exit 1
}
build_seconds=$((SECONDS - t))
size=$(podman image inspect --format '{{.Size}}' "$image")
say "built $image from ./Dockerfile in ${build_seconds} s, $((size / 1000000)) MB"

# --- 4. run it -------------------------------------------------------------------------------------------------
npx tsx scripts/container/smoke.ts "$image"
say "container part done in $((SECONDS - started)) s"
