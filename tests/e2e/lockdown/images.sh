#!/usr/bin/env bash
# images.sh: makes the locked-down suite's images in the daemon DOCKER_HOST
# names, each only when missing or changed (docker build's cache):
#   stagebox-test-base:bookworm  Debian bookworm (minbase) by debootstrap
#   stagebox-test:runtime        contrib/Dockerfile's runtime stage on it
#   stagebox-test:setuid         the same with setuid newuidmap/newgidmap
# Used by the Go tests beside it and by tests/bench/lockeddown.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)

base=stagebox-test-base:bookworm
mirror=http://deb.debian.org/debian # plain HTTP: apt needs no CA for it

scratch=$(mktemp -d "${TMPDIR:-/var/tmp}/stagebox-images-XXXXXX")
trap 'rm -rf "$scratch"' EXIT

if ! docker image inspect "$base" >/dev/null 2>&1; then
	command -v debootstrap >/dev/null || { echo "images.sh: $base is missing and debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
	echo "images.sh: debootstrap bookworm for $base" >&2
	if ! debootstrap --variant=minbase bookworm "$scratch/rootfs" "$mirror" >"$scratch/debootstrap.log" 2>&1; then
		tail -n 20 "$scratch/debootstrap.log" >&2
		exit 1
	fi
	tar -C "$scratch/rootfs" -c . | docker import - "$base" >/dev/null
fi
mkdir "$scratch/empty"
docker build -q --network host -t stagebox-test:runtime --target runtime \
	--build-arg DEBIAN="$base" -f "$repo/contrib/Dockerfile" "$scratch/empty" >/dev/null
docker build -q --network host -t stagebox-test:setuid \
	--build-arg IMAGE=stagebox-test:runtime -f "$here/testdata/setuid.Dockerfile" "$scratch/empty" >/dev/null
