#!/usr/bin/env bash
# multiplatform.sh: the seed example for two platforms (linux/amd64 and
# linux/arm64), the Go program cross-compiled in a FROM
# --platform=$BUILDPLATFORM stage, three ways, cold each time:
#   stagebox-2platforms  one `bud --platform linux/amd64,linux/arm64`
#   stagebox-twice       a single-platform bud for each, one after the other
#   buildkit-twice       `DOCKER_BUILDKIT=1 docker build --platform P` for
#                        each, through Debian's docker.io daemon (no buildx)
# It prints the medians of N runs, the ratios, and how many times the
# native step ran per build: it must be once for two platforms (the step
# echoes a marker line; cached or shared runs print none).
#
# usage (as root): tests/bench/multiplatform.sh      (N=3 by default)
# Environment: N, STAGEBOX (default bin/stagebox), BENCH_DIR, BENCH_KEEP,
# BENCH_TIMEOUT (as compare.sh).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(dirname "$0")/lib
# shellcheck source=lib/common.sh
. "$lib/common.sh"
# shellcheck source=lib/tools.sh
. "$lib/tools.sh"

N=${N:-3}
TIMEOUT=${BENCH_TIMEOUT:-900}
STAGEBOX=${STAGEBOX:-$repo/bin/stagebox}
HOST=linux/$(go env GOARCH)
TOOLS="stagebox buildkit"
CASES="stagebox-2platforms stagebox-twice buildkit-twice"

# The seed's Dockerfile, cross-compiling: the steps before ARG TARGETARCH
# are the same for every target and run natively once.
DOCKERFILE='FROM --platform=$BUILDPLATFORM golang AS build
WORKDIR /src
COPY go.mod main.go ./
RUN echo native-step-ran && go vet ./...
ARG TARGETARCH
RUN CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /out/app .
FROM scratch
COPY --from=build /out/app /app
CMD ["/app"]
'

main() {
	[ "$(id -u)" -eq 0 ] || die "run as root: BuildKit needs dockerd"
	W=${BENCH_DIR:-/var/tmp}/stagebox-mp-$(date +%s)-$$
	mkdir -p "$W/run" "$W/ctx"
	chmod 0755 "$W"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	mount -t tmpfs -o size=256m,mode=0755 tmpfs "$W/run"
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	RESULTS=$W/results.tsv
	: >"$RESULTS"
	log "making base images; $N run(s) each; $(nproc) CPUs"
	(cd "$repo" && go run ./tests/fixtures/mkfixture -busybox "$W/img/busybox" -golang "$W/img/golang" >/dev/null)
	[ -x "$STAGEBOX" ] || (cd "$repo" && make --no-print-directory build >/dev/null)
	install -D -m 0755 "$STAGEBOX" "$W/bin/stagebox"
	cp "$repo"/contrib/examples/hello/{go.mod,main.go} "$W/ctx/"
	printf '%s' "$DOCKERFILE" >"$W/ctx/Dockerfile"
	stagebox_setup >"$W/setup.log" 2>&1 || die "stagebox: $(tail -n 1 "$W/setup.log")"
	buildkit_setup >"$W/setup.log" 2>&1 || die "buildkit: $(tail -n 1 "$W/setup.log")"
	local run c
	for run in $(seq "$N"); do
		for c in $CASES; do
			clean
			case_argv "$c"
			measure "$c" seed2 cold "${ARGV[@]}" || true
			printf '%s\t%s\n' "$c" "$(native_runs <"$W/out")" >>"$W/native.tsv"
		done
	done
	report
}

# clean leaves each store with its base images only: no result, no
# build cache, so every measured build is cold.
clean() {
	local tag
	for tag in sbbench-mp sbbench-mp-amd64; do
		"${SB[@]}" rmi -f "$tag" >/dev/null 2>&1 || true
		"${DOCKER[@]}" rmi -f "$tag" >/dev/null 2>&1 || true
	done
	"${SB[@]}" prune --all >/dev/null
	"${DOCKER[@]}" builder prune -af >/dev/null 2>&1 || true
}

# case_argv CASE sets ARGV to the case's command.
case_argv() {
	local sb dk
	sb=$(printf '%q ' "${SB[@]}")
	dk=$(printf '%q ' "${DOCKER[@]}")
	case $1 in
	stagebox-2platforms) ARGV=("${SB[@]}" bud -t sbbench-mp --platform "$HOST,linux/arm64" "$W/ctx") ;;
	stagebox-twice) ARGV=(bash -c "$sb bud -t sbbench-mp-amd64 --platform $HOST $W/ctx && $sb bud -t sbbench-mp --platform linux/arm64 $W/ctx") ;;
	buildkit-twice) ARGV=(bash -c "$dk build --progress=plain --network host -t sbbench-mp-amd64 --platform $HOST $W/ctx &&
		$dk build --progress=plain --network host -t sbbench-mp --platform linux/arm64 $W/ctx") ;;
	esac
}

# native_runs counts the marker lines the native step printed (its
# output, not the line naming the step, which holds `echo`).
native_runs() { grep -E '[] ]native-step-ran$' | grep -vc echo || true; }

report() {
	echo
	echo "Medians of $N cold run(s), seconds; $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d)."
	echo "Load average at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	awk -F'\t' -f "$lib/median.awk" -f "$lib/multiplatform.awk" "$RESULTS"
	echo "Native step runs per build (want 1):"
	awk -F'\t' '{ r[$1] = r[$1] " " $2 } END { for (c in r) printf "  %-20s%s\n", c, r[c] }' "$W/native.tsv"
}

cleanup() {
	local status=$?
	for tool in $TOOLS; do
		"${tool}_teardown" >/dev/null 2>&1 || true
	done
	umount -l "$W/run" 2>/dev/null || true
	if [ -n "${BENCH_KEEP:-}" ]; then log "kept $W"; else rm -rf "$W"; fi
	exit "$status"
}

main "$@"
