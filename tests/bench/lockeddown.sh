#!/usr/bin/env bash
# lockeddown.sh: stagebox in each isolation tier it picks inside containers
# that stand for CI jobs (the locked-down suite's configurations), against
# buildah's chroot isolation (`buildah bud --isolation chroot`, Debian's
# buildah) in the same containers. Workloads: the seed example (Go compile,
# contrib/examples/hello), thirty RUN steps on busybox, and three one-RUN
# builds that price proot's ptrace per syscall and per exec:
#   true   RUN true                                   (the baseline)
#   rw     RUN dd if=/dev/zero of=/dev/null bs=1 count=100000   (200,000 syscalls)
#   exec   RUN i=0; while ...; do /bin/true; done     (1,000 execs)
# Every build is cold (--no-cache); the time is the wall time of `docker
# exec` on the host, so it includes about 0.1 s of docker exec itself.
#
# usage (as root, from anywhere): tests/bench/lockeddown.sh
# Environment: N=3 runs per measurement (the median is reported);
#   BENCH_CONFIGS="proot-root proot-user rootless-masked rootless oci";
#   BENCH_WORKLOADS="hello steps30 true rw exec"; BENCH_KEEP=1 keeps the
#   scratch directory and containers.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
lockdown=$repo/tests/e2e/lockdown
N=${N:-3}
CONFIGS=${BENCH_CONFIGS:-proot-root proot-user rootless-masked rootless oci}
WORKLOADS=${BENCH_WORKLOADS:-hello steps30 true rw exec}
IMAGE=stagebox-bench:buildah
tags="containers_image_openpgp exclude_graphdriver_btrfs osusergo netgo"

log() { echo "== $*" >&2; }
die() {
	echo "lockeddown.sh: $*" >&2
	exit 1
}

# flags CONFIG: the docker run flags of a configuration, as
# tests/e2e/lockdown/configs_test.go names them.
flags() {
	local volume="--mount type=volume,dst=/var/lib/stagebox"
	case $1 in
	proot-root) echo "" ;;                      # root-default
	proot-user) echo "--user 1000 $volume" ;;   # nonroot-default
	rootless-masked) echo "--security-opt seccomp=unconfined --user 1000 $volume" ;; # store-volume
	rootless) echo "--security-opt seccomp=unconfined --security-opt systempaths=unconfined --security-opt apparmor=unconfined --user 1000 $volume" ;; # vm-user
	oci) echo "--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined $volume" ;; # privileged
	*) die "unknown configuration $1" ;;
	esac
}

main() {
	[ "$(id -u)" -eq 0 ] || die "run as root: it starts dockerd"
	DOCKER_HOST=$(bash "$lockdown/dockerd.sh" /var/lib/stagebox-dockerd/default)
	export DOCKER_HOST
	W=$(mktemp -d /var/tmp/stagebox-lockeddown-XXXXXX)
	chmod 0755 "$W"
	trap cleanup EXIT
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	RESULTS=$W/results.tsv
	: >"$RESULTS"
	prepare
	local c
	for c in $CONFIGS; do
		bench_config "$c"
	done
	table
}

# prepare makes the images (the suite's, plus buildah), a static binary,
# the fixtures and the contexts.
prepare() {
	log "images"
	bash "$lockdown/images.sh"
	mkdir "$W/empty"
	printf 'FROM stagebox-test:runtime\nRUN apt-get update && apt-get install -y --no-install-recommends buildah && rm -rf /var/lib/apt/lists/*\n' |
		docker build -q --network host -t "$IMAGE" -f - "$W/empty" >/dev/null
	log "static stagebox, fixtures"
	(cd "$repo" && CGO_ENABLED=1 go build -tags "$tags" -ldflags "-extldflags -static" -o "$W/bin/stagebox" ./cmd/stagebox)
	(cd "$repo" && go run ./tests/fixtures/mkfixture -busybox "$W/img/busybox" -golang "$W/img/golang" >/dev/null)
	mkdir -p "$W/ctx/hello" "$W/ctx/steps30" "$W/ctx/true" "$W/ctx/rw" "$W/ctx/exec"
	cp -r "$repo/contrib/examples/hello/." "$W/ctx/hello"
	{
		echo "FROM busybox"
		for i in $(seq 30); do echo "RUN echo step$i > /f$i"; done
	} >"$W/ctx/steps30/Dockerfile"
	printf 'FROM busybox\nRUN true\n' >"$W/ctx/true/Dockerfile"
	printf 'FROM busybox\nRUN dd if=/dev/zero of=/dev/null bs=1 count=100000 2>/dev/null\n' >"$W/ctx/rw/Dockerfile"
	printf 'FROM busybox\nRUN i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done\n' >"$W/ctx/exec/Dockerfile"
	chmod -R a+rX "$W"
}

# bench_config CONFIG: one container; stagebox then buildah on each workload.
bench_config() {
	local c=$1 name=stagebox-lockeddown-$1-$$ wl run tier
	# shellcheck disable=SC2046 # the flags are words
	docker run -d --name "$name" --network none $(flags "$c") \
		-v "$W/bin:/opt/stagebox:ro" -v "$W/img:/fixtures:ro" -v "$W/ctx:/ctx:ro" \
		"$IMAGE" sleep infinity >/dev/null
	CONTAINERS+=("$name")
	tier=$(docker exec "$name" /opt/stagebox/stagebox info --json 2>/dev/null |
		sed -n 's/.*"tier" *: *"\([a-z]*\)".*/\1/p' | head -n 1)
	echo "$c	${tier:-?}" >>"$W/tiers"
	log "$c: tier ${tier:-unknown (info --json failed)}"
	local sb=(docker exec "$name" /opt/stagebox/stagebox)
	local bah=(docker exec "$name" buildah)
	for img in busybox golang; do
		"${sb[@]}" tag "$("${sb[@]}" pull -q "oci:/fixtures/$img:latest" 2>/dev/null | tail -n 1)" "$img" >/dev/null 2>&1 || true
		"${bah[@]}" tag "$("${bah[@]}" pull -q "oci:/fixtures/$img:latest" 2>/dev/null | tail -n 1)" "localhost/$img:latest" >/dev/null 2>&1 || true
	done
	for wl in $WORKLOADS; do
		for run in $(seq "$N"); do
			measure "$c" stagebox "$wl" "${sb[@]}" bud --no-cache -q -t "sb-$wl" "/ctx/$wl"
			measure "$c" buildah "$wl" "${bah[@]}" bud --isolation chroot --layers --no-cache --pull-never -q -t "bah-$wl" "/ctx/$wl"
		done
	done
}

# measure CONFIG TOOL WORKLOAD CMD...: one timed run, "fail" when it fails
# (and why, in the failures list).
measure() {
	local c=$1 tool=$2 wl=$3 start end
	shift 3
	start=$(date +%s%N)
	if "$@" >"$W/out" 2>&1; then
		end=$(date +%s%N)
		printf '%s\t%s\t%s\t%s\n' "$c" "$tool" "$wl" "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')" >>"$RESULTS"
	else
		printf '%s\t%s\t%s\tfail\n' "$c" "$tool" "$wl" >>"$RESULTS"
		# The first error line says why; buildah's last one rarely does.
		echo "$c $tool $wl: $({ grep -i -m 1 error "$W/out" || tail -n 1 "$W/out"; } | cut -c 1-300)" >>"$W/failures"
	fi
}

# table prints medians per configuration, tool and workload (markdown),
# then proot's cost per syscall and per exec, from the rw and exec runs.
table() {
	echo
	echo "Medians of $N cold run(s), seconds; $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d)."
	echo "Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	awk -F'\t' -v workloads="$WORKLOADS" -f "$(dirname "$0")/lib/median.awk" -f "$(dirname "$0")/lib/lockeddown.awk" "$W/tiers" "$RESULTS"
	if [ -s "$W/failures" ]; then
		echo
		echo "Failures (last line of output):"
		sed 's/^/  /' "$W/failures"
	fi
}

CONTAINERS=()
cleanup() {
	local status=$?
	if [ -n "${BENCH_KEEP:-}" ]; then
		log "kept $W and containers ${CONTAINERS[*]}"
	else
		for c in "${CONTAINERS[@]}"; do docker rm -f -v "$c" >/dev/null 2>&1 || true; done
		rm -rf "$W"
	fi
	exit "$status"
}

main "$@"
