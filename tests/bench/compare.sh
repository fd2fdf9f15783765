#!/usr/bin/env bash
# compare.sh: stagebox against the peers it can start on this machine —
# buildah (rootless, overlay, --layers, chroot isolation) and BuildKit
# through Debian's docker.io daemon — on the same workloads, side by side,
# in one run. It makes its own base images offline (tests/fixtures), prints
# a table of medians, ratios and peak RSS, and removes what it made.
# The "host" column is the floor: the same compile, or the same tree made,
# copied, read back through sha256sum and synced, done by a shell on the
# host (lib/floor.sh).
# Another peer, buildkitd, is BuildKit's current release (v0.34.2) as a
# root daemon of its own, not in the default BENCH_TOOLS: the first run
# builds buildkitd and buildctl from the Go module proxy into
# $BENCH_CACHE/bin (needs go and a few minutes; later runs reuse them) and
# it needs runc at run time (apt-get install runc). It runs the OCI worker
# (overlayfs, --oci-worker-net host, no containerd) with its state under the
# scratch directory and is handed the base images by buildctl --oci-layout
# and named contexts; `buildctl prune --all` empties it before a cold run.
#   BENCH_TOOLS="stagebox-rootless buildkitd buildkit" tests/bench/compare.sh
#
# usage (as root, from anywhere): tests/bench/compare.sh
#
# Environment:
#   N=3                     runs per measurement (the median is reported)
#   BENCH_WORKLOADS="hello steps30 fanout bigcopy steps300 ctx100k onefile"
#   BENCH_TOOLS="stagebox stagebox-rootless buildkit buildah"   (or buildkitd)
#   BENCH_CACHE=/var/cache/stagebox-bench   where buildkitd and buildctl are kept
#   BENCH_FILES=20000 BENCH_BIG_MB=300   size of the bigcopy workload
#   BENCH_TIMEOUT=900       seconds one build may take before it counts as failed
#   STAGEBOX=bin/stagebox   the binary (built with `make build` when missing)
#   STAGEBOX_TEST_USER=sbtest   the unprivileged user for rootless runs
#   BENCH_SETTLE=65         seconds to wait before each bigcopy run (see settle)
#   BENCH_DIR=/var/tmp      where the scratch directory goes (stores, contexts)
#   BENCH_OUT=FILE          also write the raw per-run results (TSV) there
#   BENCH_KEEP=1            keep the scratch directory
#
# Peak RSS is the largest resident set of the build command's process tree
# (getrusage of the waited children, so RUN processes count) for stagebox
# and buildah; for BuildKit it is dockerd's high-water mark during the build
# (reset before it through /proc/PID/clear_refs), which leaves out RUN steps;
# for buildkitd the same, of buildkitd.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(dirname "$0")/lib
# shellcheck source=lib/common.sh
. "$lib/common.sh"
# shellcheck source=lib/workloads.sh
. "$lib/workloads.sh"
# shellcheck source=lib/tools.sh
. "$lib/tools.sh"
# shellcheck source=lib/floor.sh
. "$lib/floor.sh"

N=${N:-3}
WORKLOADS=${BENCH_WORKLOADS:-hello steps30 fanout bigcopy steps300 ctx100k onefile}
TOOLS=${BENCH_TOOLS:-stagebox stagebox-rootless buildkit buildah}
FILES=${BENCH_FILES:-20000}
BIG_MB=${BENCH_BIG_MB:-300}
TIMEOUT=${BENCH_TIMEOUT:-900}
USER_RL=${STAGEBOX_TEST_USER:-sbtest}
STAGEBOX=${STAGEBOX:-$repo/bin/stagebox}

main() {
	if [ "$(id -u)" -ne 0 ]; then
		die "run as root: the rootless runs use runuser and BuildKit needs dockerd"
	fi
	[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time): it measures peak RSS"
	# Lower case only: buildah names an image pulled from oci:DIR after DIR.
	W=${BENCH_DIR:-/var/tmp}/stagebox-bench-$(date +%s)-$$
	mkdir "$W"
	chmod 0755 "$W"
	trap cleanup EXIT
	# Run roots on a tmpfs, where storage's defaults put them (/run,
	# /run/user/UID): they hold per-mount bookkeeping that is synced on
	# every mount, which a disk would charge to every RUN.
	mkdir "$W/run"
	mount -t tmpfs -o size=256m,mode=0755 tmpfs "$W/run"
	trap 'exit 130' INT TERM
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	RESULTS=$W/results.tsv
	: >"$RESULTS"
	log "scratch directory $W; $N run(s) each; $(nproc) CPUs; $(uname -r)"
	make_base_images
	local started=()
	for tool in $TOOLS; do
		# Not in a subshell: setup sets the tool's globals.
		if "${tool//-/_}_setup" >"$W/setup.log" 2>&1; then
			started+=("$tool")
			log "$tool: ready"
		else
			echo "skip $tool: $(tail -n 1 "$W/setup.log")" | tee -a "$W/skipped"
		fi
	done
	[ ${#started[@]} -gt 0 ] || die "no builder could start"
	for wl in $WORKLOADS; do
		"workload_$wl" "${started[@]}"
	done
	host_floors
	print_table "${started[@]}"
	if [ -n "${BENCH_OUT:-}" ]; then
		cp "$RESULTS" "$BENCH_OUT"
	fi
}

# make_base_images writes the busybox and golang OCI layouts every tool
# loads; no registry is needed.
make_base_images() {
	log "making base images from busybox-static and $(go env GOROOT)"
	(cd "$repo" && go run ./tests/fixtures/mkfixture -busybox "$W/img/busybox" -golang "$W/img/golang" >/dev/null)
	chmod -R a+rX "$W/img"
	if [ ! -x "$STAGEBOX" ]; then
		(cd "$repo" && make --no-print-directory build >/dev/null)
	fi
	# In a directory of its own: libcontainer seals the binary for each RUN
	# with an overlay whose lower layers are the binary's directory and the
	# RUN's state directory, and overlay refuses nested layers (ELOOP), so a
	# binary in an ancestor of the store would be copied into memory per RUN.
	install -D -m 0755 "$STAGEBOX" "$W/bin/stagebox"
}

cleanup() {
	local status=$?
	for tool in $TOOLS; do
		"${tool//-/_}_teardown" >/dev/null 2>&1 || true
	done
	umount -l "$W/run" 2>/dev/null || true
	if [ -n "${BENCH_KEEP:-}" ]; then
		log "kept $W"
	else
		rm -rf "$W"
	fi
	exit "$status"
}

main "$@"
