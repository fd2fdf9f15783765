# Shared helpers of compare.sh: logging, one timed build, the result table.
# Results are rows of $RESULTS: tool, workload, case, seconds|fail, peak RSS in KiB.

log() { echo "== $*" >&2; }
die() {
	echo "compare.sh: $*" >&2
	exit 1
}

# measure TOOL WORKLOAD CASE CMD...: runs CMD once, bounded by $TIMEOUT,
# and appends its wall time and peak RSS to $RESULTS. A failure is recorded
# as such, with the tail of its output in the log, and returns 1.
measure() {
	local tool=$1 wl=$2 case=$3
	shift 3
	sync # earlier runs' writeback must not land in this one's time
	if declare -F "${tool//-/_}_rss_reset" >/dev/null; then
		"${tool//-/_}_rss_reset"
	fi
	local start end rss
	start=$(date +%s%N)
	if ! timeout -k 10 "$TIMEOUT" /usr/bin/time -f %M -o "$W/rss" "$@" >"$W/out" 2>&1; then
		log "$tool $wl $case failed: $(tail -n 3 "$W/out" | tr '\n' ' ')"
		printf '%s\t%s\t%s\tfail\t-\n' "$tool" "$wl" "$case" >>"$RESULTS"
		return 1
	fi
	end=$(date +%s%N)
	rss=$(tail -n 1 "$W/rss")
	if declare -F "${tool//-/_}_rss" >/dev/null; then
		rss=$("${tool//-/_}_rss")
	fi
	local secs
	secs=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
	printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$wl" "$case" "$secs" "$rss" >>"$RESULTS"
	log "$tool $wl $case: ${secs}s, peak RSS $((rss / 1024)) MiB"
}

# print_table TOOL...: medians per workload and case, the ratios of
# stagebox to its peer of the same privilege, then peak RSS (the largest
# over the runs).
print_table() {
	echo
	echo "Medians of $N run(s), seconds; $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d)."
	# Other work on the machine shows here before it shows in the medians.
	echo "Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	awk -F'\t' -v tools="$*" -f "$lib/median.awk" -f "$lib/table.awk" "$RESULTS"
	if [ -s "$W/skipped" ]; then
		cat "$W/skipped"
	fi
}
