# The workloads of compare.sh. Each workload_NAME TOOL... writes its build
# context per tool (so one tool's edits never reach another) and measures
# its cases. Runs are interleaved across tools, in an order that rotates
# from run to run, so slow drift of the machine (page cache, writeback,
# load) spreads over all of them alike.
# A cold run starts from a store holding only the base images: the tool's
# earlier result and build cache are removed first, and --no-cache is
# passed too, for a shared daemon whose cache must not be pruned.

# context WORKLOAD TOOL: a fresh, world-readable context directory.
context() {
	local dir=$W/ctx/$2/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "$dir"
}

# Only what lacks the bits: chmod moves a file's ctime even when the mode
# stays, and a changed ctime makes every stat cache (stagebox's, BuildKit's)
# read the file again, which would turn the onefile rebuild into a rehash.
readable() { find "$W/ctx" \( -type d ! -perm -a+rx -o ! -type d ! -perm -a+r \) -exec chmod a+rX {} +; }

# settle waits until files deleted by earlier runs no longer slow this one
# down. ext4 without a journal (this machine's root) does not reuse an
# inode for 60 s after it was freed (360 s while its table block is still
# dirty) and scans past every such inode on each create: right after a run
# deleted a 20,000-file tree, the next one spends seconds in that scan.
settle() {
	sync
	sleep "${BENCH_SETTLE:-65}"
}

# rotate RUN TOOL...: the tools in the order of run RUN, each run starting
# one tool later. A fixed order put stagebox as root first in every round,
# so it always ran earliest while the load fell. Consecutive root bigcopy runs here took
# 17.5 s and 10.0 s (rootless 13.0 and 13.4 s between them), so whatever
# drift the first slot carries must spread over every tool alike.
rotate() {
	local run=$1
	shift
	local n=$# i
	local tools=("$@")
	for ((i = 0; i < n; i++)); do
		echo "${tools[(i + run - 1) % n]}"
	done
}

# cold WORKLOAD TOOL...: N cold builds of each tool's context. With SETTLE
# set, each waits for the deletions before it (settle).
cold() {
	local wl=$1 run tool
	shift
	for run in $(seq "$N"); do
		for tool in $(rotate "$run" "$@"); do
			"${tool//-/_}_clean" "sbbench-$wl"
			if [ -n "${SETTLE:-}" ]; then
				settle
			fi
			"${tool//-/_}_argv" "$W/ctx/$tool/$wl" "sbbench-$wl" --no-cache
			measure "$tool" "$wl" cold "${ARGV[@]}" || true
		done
	done
}

# again WORKLOAD CASE EDIT TOOL...: N rebuilds of each tool's context after
# running EDIT CONTEXT RUN on it ("" = no edit: a fully cached build).
again() {
	local wl=$1 case=$2 edit=$3 run tool
	shift 3
	for run in $(seq "$N"); do
		for tool in $(rotate "$run" "$@"); do
			if [ -n "$edit" ]; then
				"$edit" "$W/ctx/$tool/$wl" "$run"
				readable
			fi
			"${tool//-/_}_argv" "$W/ctx/$tool/$wl" "sbbench-$wl"
			measure "$tool" "$wl" "$case" "${ARGV[@]}" || true
		done
	done
}

# hello: the seed's multi-stage Go build (contrib/examples/hello).
workload_hello() {
	local tool dir
	for tool in "$@"; do
		dir=$(context hello "$tool")
		cp -r "$repo/contrib/examples/hello/." "$dir"
	done
	readable
	cold hello "$@"
	again hello cached "" "$@"
	again hello changed edit_hello "$@"
}

# edit_hello changes one source file, as a developer's commit would.
edit_hello() { echo "// edit $2 $(date +%s%N)" >>"$1/main.go"; }

# steps30: thirty small RUN steps on busybox.
workload_steps30() {
	local tool
	for tool in "$@"; do
		steps30_dockerfile "$(context steps30 "$tool")" step30
	done
	readable
	cold steps30 "$@"
	again steps30 cached "" "$@"
	again steps30 changed edit_steps30 "$@"
}

steps30_dockerfile() {
	{
		echo "FROM busybox"
		for i in $(seq 29); do
			echo "RUN echo step$i > /f$i"
		done
		echo "RUN echo $2 > /f30"
	} >"$1/Dockerfile"
}

# edit_steps30 changes only the last step.
edit_steps30() { steps30_dockerfile "$1" "changed-$2-$(date +%s%N)"; }

# fanout: three independent stages of 2 s each that the last stage reads,
# and one of 2 s that nothing reads, which must not run at all.
workload_fanout() {
	local tool
	for tool in "$@"; do
		{
			for s in a b c unused; do
				printf 'FROM busybox AS %s\nRUN sleep 2 && echo %s > /%s\n' "$s" "$s" "$s"
			done
			printf 'FROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\nCOPY --from=c /c /c\n'
		} >"$(context fanout "$tool")/Dockerfile"
	done
	readable
	cold fanout "$@"
}

# gen_script DIR: the shell script that makes the bigcopy tree in DIR.
gen_script() {
	echo "mkdir -p $1/small && cd $1/small && i=0 && while [ \$i -lt $FILES ]; do echo \$i > f\$i; i=\$((i+1)); done" \
		"&& dd if=/dev/urandom of=$1/big bs=1M count=$BIG_MB 2>/dev/null"
}

# bigcopy: a stage makes $FILES small files and one $BIG_MB MB file; the
# final stage copies the tree.
workload_bigcopy() {
	local tool
	for tool in "$@"; do
		printf 'FROM busybox AS gen\nRUN %s\nFROM busybox\nCOPY --from=gen /data /data\n' \
			"$(gen_script /data)" >"$(context bigcopy "$tool")/Dockerfile"
	done
	readable
	SETTLE=1 cold bigcopy "$@"
	for tool in "$@"; do
		"${tool//-/_}_clean" sbbench-bigcopy
	done
}


# steps300: three hundred small RUN steps on busybox, cold and fully
# cached: per step it must cost what steps30's steps cost (issue 11).
workload_steps300() {
	local tool
	for tool in "$@"; do
		many_steps_dockerfile 300 "$(context steps300 "$tool")"
	done
	readable
	cold steps300 "$@"
	again steps300 cached "" "$@"
}

# many_steps_dockerfile N DIR: N RUN steps, each writing its own file.
many_steps_dockerfile() {
	{
		echo "FROM busybox"
		seq "$1" | sed 's|.*|RUN echo step& > /f&|'
	} >"$2/Dockerfile"
}

# ctx100k: a context of 100,000 small files (100 directories of 1,000)
# copied by one COPY, and one more file copied by a second COPY; cold and
# fully cached. A cached build must not read the 100,000 files again.
workload_ctx100k() {
	local tool
	for tool in "$@"; do
		ctx100k_context "$(context ctx100k "$tool")"
	done
	readable
	cold ctx100k "$@"
	again ctx100k cached "" "$@"
}

# ctx100k_context DIR: the 100,000 files, app.txt and the Dockerfile; made
# once and copied (cp -a makes new inodes, as a fresh checkout would).
ctx100k_context() {
	local tmpl=$W/ctx/ctx100k-template
	if [ ! -d "$tmpl" ]; then
		mkdir -p "$tmpl/files"
		(cd "$tmpl/files" && seq 0 99 | sed 's/^/d/' | xargs mkdir &&
			seq 0 99999 | awk '{ f = "d" int($1 / 1000) "/f" $1; print "file " $1 > f; close(f) }')
		echo app >"$tmpl/app.txt"
		printf 'FROM busybox\nCOPY files/ /files/\nCOPY app.txt /app.txt\n' >"$tmpl/Dockerfile"
	fi
	cp -a "$tmpl/." "$1"
}

# onefile: one file of the 100k-file context changes and the build runs
# again: the COPY of the 100,000 unchanged files hits the cache after a
# stat of each (no read), the changed file's COPY runs. Reuses ctx100k's
# contexts when that workload ran first, else makes and builds them once,
# unmeasured.
workload_onefile() {
	local tool
	for tool in "$@"; do
		if [ ! -f "$W/ctx/$tool/ctx100k/Dockerfile" ]; then
			ctx100k_context "$(context ctx100k "$tool")"
			readable
			"${tool//-/_}_argv" "$W/ctx/$tool/ctx100k" sbbench-ctx100k
			"${ARGV[@]}" >/dev/null 2>&1 || log "$tool onefile: the first build failed"
		fi
	done
	again ctx100k onefile edit_onefile "$@"
}

# edit_onefile changes app.txt, one file of the context.
edit_onefile() { echo "edit $2 $(date +%s%N)" >"$1/app.txt"; }
