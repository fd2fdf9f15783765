#!/usr/bin/env bash
# registry.sh: stagebox push and pull against `skopeo copy` of the same
# images to and from the same local registry, in one run: the seed
# example's image (contrib/examples/hello) and a 300 MB single-layer image
# (incompressible bytes, so gzip does real work). Both tools go through
# containers/image between containers-storage and a Debian docker-registry
# on 127.0.0.1 (plain HTTP); each push goes to an emptied registry and each
# pull into an empty store, and the runs are interleaved.
#
# usage (as root, from anywhere): tests/bench/registry.sh
#
# Environment: N=3 (runs per measurement), BENCH_IMAGES="hello big", BENCH_BIG_MB=300,
# STAGEBOX=bin/stagebox, BENCH_DIR=/var/tmp, BENCH_TIMEOUT=900,
# BENCH_OUT=FILE (raw TSV), BENCH_KEEP=1.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(dirname "$0")/lib
# shellcheck source=lib/common.sh
. "$lib/common.sh"

N=${N:-3}
IMAGES=${BENCH_IMAGES:-hello big}
BIG_MB=${BENCH_BIG_MB:-300}
TIMEOUT=${BENCH_TIMEOUT:-900}
STAGEBOX=${STAGEBOX:-$repo/bin/stagebox}

main() {
	[ "$(id -u)" -eq 0 ] || die "run as root"
	local tool
	for tool in docker-registry skopeo curl /usr/bin/time; do
		command -v "$tool" >/dev/null || die "$tool is missing (apt-get install docker-registry skopeo curl time)"
	done
	W=${BENCH_DIR:-/var/tmp}/stagebox-regbench-$(date +%s)-$$
	mkdir -p "$W"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	RESULTS=$W/results.tsv
	: >"$RESULTS"
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	log "scratch directory $W; $N run(s) each; $(nproc) CPUs; $(uname -r)"
	make_images
	REG=127.0.0.1:$(free_port)
	local img run
	for img in $IMAGES; do
		for run in $(seq "$N"); do
			registry_restart
			measure stagebox "$img" push "${SB[@]}" push -q --tls-verify=false "$img" "docker://$REG/bench/$img:1" || true
			registry_restart
			measure skopeo "$img" push skopeo copy -q --dest-tls-verify=false \
				"containers-storage:[overlay@$W/sb/root+$W/sb/run]localhost/$img:latest" "docker://$REG/bench/$img:1" || true
			empty_store
			measure stagebox "$img" pull "$W/bin/stagebox" --root "$W/p/root" --runroot "$W/p/run" pull -q --tls-verify=false "$REG/bench/$img:1" || true
			empty_store
			measure skopeo "$img" pull skopeo copy -q --src-tls-verify=false \
				"docker://$REG/bench/$img:1" "containers-storage:[overlay@$W/p/root+$W/p/run]$REG/bench/$img:1" || true
		done
	done
	print_table stagebox skopeo
	if [ -n "${BENCH_OUT:-}" ]; then
		cp "$RESULTS" "$BENCH_OUT"
	fi
}

# make_images builds the seed example from the offline golang fixture and
# a FROM scratch image of one $BIG_MB MB file, in the store stagebox
# pushes from (and skopeo reads, as containers-storage:[overlay@...]).
make_images() {
	log "making the golang fixture and building the images"
	(cd "$repo" && go run ./tests/fixtures/mkfixture -golang "$W/img/golang" >/dev/null)
	if [ ! -x "$STAGEBOX" ]; then
		(cd "$repo" && make --no-print-directory build >/dev/null)
	fi
	install -D -m 0755 "$STAGEBOX" "$W/bin/stagebox"
	SB=("$W/bin/stagebox" --root "$W/sb/root" --runroot "$W/sb/run")
	"${SB[@]}" tag "$("${SB[@]}" pull -q "oci:$W/img/golang:latest" | tail -n 1)" golang
	"${SB[@]}" bud -q -t hello "$repo/contrib/examples/hello" >/dev/null
	mkdir -p "$W/ctx/big"
	head -c "${BIG_MB}M" /dev/urandom >"$W/ctx/big/big"
	printf 'FROM scratch\nCOPY big /big\n' >"$W/ctx/big/Dockerfile"
	"${SB[@]}" bud -q -t big "$W/ctx/big" >/dev/null
}

# registry_restart starts docker-registry afresh on $REG with no images.
registry_restart() {
	registry_stop
	rm -rf "$W/reg"
	mkdir -p "$W/reg"
	printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
		"$W/reg/data" "$REG" >"$W/reg/config.yml"
	docker-registry serve "$W/reg/config.yml" >"$W/reg/log" 2>&1 &
	REG_PID=$!
	local i
	for i in $(seq 200); do
		curl -fs "http://$REG/v2/" >/dev/null && return 0
		sleep 0.05
	done
	die "docker-registry did not start: $(tail -n 3 "$W/reg/log")"
}

registry_stop() {
	if [ -n "${REG_PID:-}" ]; then
		kill "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
		REG_PID=
	fi
}

# empty_store removes the store pulls go to (skopeo may leave its overlay
# home mounted; stagebox runs in a mount namespace of its own).
empty_store() {
	umount -R "$W/p/root/overlay" 2>/dev/null || true
	rm -rf "$W/p"
	sync
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup() {
	local status=$?
	registry_stop
	umount -R "$W/p/root/overlay" "$W/sb/root/overlay" 2>/dev/null || true
	if [ -n "${BENCH_KEEP:-}" ]; then
		log "kept $W"
	else
		rm -rf "$W"
	fi
	exit "$status"
}

main "$@"
