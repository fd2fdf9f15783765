#!/usr/bin/env bash
# regcache.sh: the registry-shared build cache against a cold build, on the
# seed example (contrib/examples/hello), as a CI runner would see it.
#
#   plain:  a store holding the golang base image; bud --no-cache (for
#           reference: the cold build README's table measures)
#   cold:   a store holding the golang base image and no cache of the
#           example; bud --no-cache --cache-to REPO --push
#   cached: an empty store (not even the base image); bud --cache-from REPO
#           --push to another tag
#
# Both push to a local Debian docker-registry (plain HTTP on 127.0.0.1, its
# own data directory), which also holds the golang base image. Each round
# uses a fresh cache repository and fresh stores. Prints every round's
# wall time (/usr/bin/time) and the medians, and how many layer blobs the
# cached builds downloaded (from the registry's access log).
#
# usage (as root, from anywhere): tests/bench/regcache.sh
# Environment: N=3 rounds; STAGEBOX=bin/stagebox; BENCH_DIR=/var/tmp.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-3}
STAGEBOX=${STAGEBOX:-$repo/bin/stagebox}

die() {
	echo "regcache.sh: $*" >&2
	exit 1
}

main() {
	[ "$(id -u)" -eq 0 ] || die "run as root"
	[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
	command -v docker-registry >/dev/null || die "docker-registry is missing (apt-get install docker-registry)"
	if [ ! -x "$STAGEBOX" ]; then
		make -C "$repo" build >&2
	fi
	W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/stagebox-regcache-XXXXXX")
	trap cleanup EXIT
	start_registry
	echo "== making the golang base image and pushing it to $REG" >&2
	(cd "$repo" && GOFLAGS=-tags=containers_image_openpgp,exclude_graphdriver_btrfs go run ./tests/fixtures/mkfixture -golang "$W/golang") >&2
	sb "$W/seed" pull -q "oci:$W/golang:latest" >/dev/null
	sb "$W/seed" push "oci:$W/golang:latest" "docker://$REG/golang:latest" 2>/dev/null ||
		sb "$W/seed" push "$(sb "$W/seed" images -q | head -n 1)" "docker://$REG/golang:latest"
	cp -r "$repo/contrib/examples/hello" "$W/ctx"
	sed -i "s#^FROM golang #FROM $REG/golang #" "$W/ctx/Dockerfile"

	local plain=() cold=() cached=() i
	for i in $(seq 1 "$N"); do
		rm -rf "$W/a" "$W/b"
		sb "$W/a" pull -q "docker://$REG/golang:latest" >/dev/null
		plain+=("$(timed "$W/a" bud -q --no-cache "$W/ctx")")
		cold+=("$(timed "$W/a" bud -q --no-cache --cache-to "$REG/cache-$i" --push -t "$REG/hello:cold-$i" "$W/ctx")")
		local mark
		mark=$(wc -c <"$W/registry.log")
		cached+=("$(timed "$W/b" bud -q --cache-from "$REG/cache-$i" --push -t "$REG/hello:cached-$i" "$W/ctx")")
		echo "round $i: plain ${plain[-1]} s, cold ${cold[-1]} s, cached ${cached[-1]} s, layer blobs downloaded by the cached build: $(layer_gets "$mark")"
	done
	local mc mk
	mc=$(median "${cold[@]}")
	mk=$(median "${cached[@]}")
	echo "median of $N: plain $(median "${plain[@]}") s, cold $mc s, cached on an empty store $mk s ($(awk -v a="$mk" -v b="$mc" 'BEGIN { printf "%.1f", 100 * a / b }')% of cold)"
}

# sb STORE ARGS...: stagebox on a private store under $W.
sb() {
	local store=$1
	shift
	CONTAINERS_REGISTRIES_CONF=$W/registries.conf "$STAGEBOX" --root "$store/root" --runroot "$store/run" "$@"
}

# timed STORE ARGS...: runs sb and prints its wall time in seconds.
timed() {
	sync
	/usr/bin/time -f %e -o "$W/time" env CONTAINERS_REGISTRIES_CONF="$W/registries.conf" \
		"$STAGEBOX" --root "$1/root" --runroot "$1/run" "${@:2}" >"$W/out" 2>&1 || {
		cat "$W/out" >&2
		die "stagebox ${*:2} failed"
	}
	tail -n 1 "$W/time"
}

# layer_gets MARK: blob GETs in the access log after byte MARK, not counting
# image configs (a JSON of a few kB; every layer here is larger).
layer_gets() {
	tail -c +"$(($1 + 1))" "$W/registry.log" | grep -ao '"GET /v2/[^ ]*/blobs/sha256:[0-9a-f]* [^"]*" 200 [0-9]*' |
		awk '$NF > 65536' | wc -l
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

start_registry() {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	REG=127.0.0.1:$port
	cat >"$W/registry.yml" <<EOF
version: 0.1
log:
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $W/registry
http:
  addr: $REG
EOF
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG" >"$W/registries.conf"
	docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
	REGISTRY_PID=$!
	for _ in $(seq 100); do
		curl -fs "http://$REG/v2/" >/dev/null && return
		sleep 0.1
	done
	die "docker-registry did not start: $(tail -n 5 "$W/registry.log")"
}

cleanup() {
	[ -n "${REGISTRY_PID:-}" ] && kill "$REGISTRY_PID" 2>/dev/null
	rm -rf "$W"
}

main "$@"
