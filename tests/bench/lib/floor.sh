# Host floors of compare.sh: the work of a workload done by a shell straight
# on the host, with no builder in the way. They are rows of the tool "host",
# so the table prints stagebox's ratio to the floor beside its ratio to its
# peers. Each floor runs N times, like the builders' cold runs.

# host_floors runs the floor of every workload in $WORKLOADS that has one.
host_floors() {
	local wl
	for wl in $WORKLOADS; do
		if declare -F "host_floor_$wl" >/dev/null; then
			"host_floor_$wl"
		fi
	done
}

# host_floor_bigcopy: make the same tree, copy it with cp -a, read the copy
# back as one tar stream through sha256sum (what sealing a layer does: a
# diff and its digest, nothing compressed) and sync, so the copy's
# writeback is in the figure and not in the next run's.
host_floor_bigcopy() {
	local run dir=$W/host
	for run in $(seq "$N"); do
		rm -rf "$dir"
		mkdir -p "$dir"
		settle
		measure host bigcopy cold sh -c "$(gen_script "$dir/data") && cp -a $dir/data $dir/copy &&
			tar -C $dir/copy -cf - . | sha256sum >/dev/null && sync" || true
	done
	rm -rf "$dir"
}

# host_floor_hello: the seed example's compile, `CGO_ENABLED=0 go build`,
# with the toolchain the golang base image was made from and the cache
# state of a cold build: an empty build cache, as the RUN step starts with.
host_floor_hello() {
	local run dir=$W/host-hello goroot
	goroot=$(go env GOROOT)
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$repo/contrib/examples/hello/." "$dir/src"
	for run in $(seq "$N"); do
		rm -rf "$dir/cache" "$dir/app"
		measure host hello cold env -u GOFLAGS GOCACHE="$dir/cache" GOROOT="$goroot" CGO_ENABLED=0 \
			sh -c "cd $dir/src && exec $goroot/bin/go build -o $dir/app ." || true
	done
	rm -rf "$dir"
}
