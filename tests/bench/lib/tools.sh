# The builders compare.sh runs. Each TOOL (dashes become underscores here)
# has: TOOL_setup (make a private store, load the base images; fail with a
# one-line reason when it cannot start), TOOL_argv CTX TAG [--no-cache]
# (sets ARGV to the build command), TOOL_clean TAG (drop the image and its
# build cache before a cold run) and TOOL_teardown. Every store lives in $W.

# as_user runs a command as the unprivileged user, with a clean XDG
# environment so nothing of root's leaks in.
as_user() {
	runuser -u "$USER_RL" -- env -u XDG_RUNTIME_DIR -u XDG_DATA_HOME -u XDG_CONFIG_HOME HOME="$W/home" "$@"
}

user_dir() {
	mkdir -p "$1"
	chown "$USER_RL:" "$1"
}

# --- stagebox as root, and as the unprivileged user ---

SB=()
SBR=()

stagebox_setup() {
	SB=("$W/bin/stagebox" --root "$W/sb/root" --runroot "$W/run/sb")
	sb_load "${SB[@]}"
}

stagebox_rootless_setup() {
	id -u "$USER_RL" >/dev/null 2>&1 || {
		echo "user $USER_RL does not exist (make deps creates it)"
		return 1
	}
	user_dir "$W/home"
	user_dir "$W/sbr"
	user_dir "$W/run/sbr"
	SBR=(as_user "$W/bin/stagebox" --root "$W/sbr/root" --runroot "$W/run/sbr")
	sb_load "${SBR[@]}"
}

# sb_load STAGEBOX...: pull both base images and name them as the
# Dockerfiles do.
sb_load() {
	local img id
	for img in busybox golang; do
		id=$("$@" pull -q "oci:$W/img/$img:latest" | tail -n 1)
		"$@" tag "$id" "$img"
	done
}

stagebox_argv() { ARGV=("${SB[@]}" bud -q -t "$2" ${3:-} "$1"); }
stagebox_rootless_argv() {
	ARGV=(runuser -u "$USER_RL" -- env -u XDG_RUNTIME_DIR -u XDG_DATA_HOME -u XDG_CONFIG_HOME HOME="$W/home"
		"$W/bin/stagebox" --root "$W/sbr/root" --runroot "$W/run/sbr" bud -q -t "$2" ${3:-} "$1")
}

stagebox_clean() { sb_clean "${SB[@]}" "$1"; }
stagebox_rootless_clean() { sb_clean "${SBR[@]}" "$1"; }
sb_clean() {
	local tag=${*: -1}
	set -- "${@:1:$#-1}"
	"$@" rmi "$tag" >/dev/null 2>&1 || true
	"$@" prune >/dev/null
}

stagebox_teardown() { :; }
stagebox_rootless_teardown() { :; }

# --- buildah, rootless, as the issue specifies ---

BUILDAH=()

buildah_setup() {
	command -v buildah >/dev/null || {
		echo "buildah is not installed (apt-get install buildah)"
		return 1
	}
	id -u "$USER_RL" >/dev/null 2>&1 || {
		echo "user $USER_RL does not exist (make deps creates it)"
		return 1
	}
	user_dir "$W/home"
	user_dir "$W/bah"
	install -d -m 0700 -o "$USER_RL" "$W/run/bah-xdg" "$W/run/bah"
	BUILDAH=(runuser -u "$USER_RL" -- env XDG_RUNTIME_DIR="$W/run/bah-xdg" HOME="$W/home"
		buildah --root "$W/bah/root" --runroot "$W/run/bah" --storage-driver overlay)
	local img id
	for img in busybox golang; do
		id=$("${BUILDAH[@]}" pull -q "oci:$W/img/$img:latest" | tail -n 1)
		"${BUILDAH[@]}" tag "$id" "localhost/$img:latest"
	done
}

buildah_argv() {
	ARGV=("${BUILDAH[@]}" bud --layers --isolation chroot --pull-never -q -t "$2" ${3:-} "$1")
}

buildah_clean() {
	"${BUILDAH[@]}" rmi -f "$1" >/dev/null 2>&1 || true
	"${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true
}

buildah_teardown() {
	[ ${#BUILDAH[@]} -gt 0 ] || return 0
	"${BUILDAH[@]}" rm -a >/dev/null 2>&1 || true
}

# --- BuildKit inside Debian's docker.io daemon ---

DOCKER_OWN_PID=""
DOCKER=()
DOCKER_LOADED=()

buildkit_setup() {
	[ -x /usr/bin/docker ] && command -v dockerd >/dev/null || {
		echo "docker.io is not installed (apt-get install docker.io)"
		return 1
	}
	# /usr/bin/docker is Debian's client, which has BuildKit built in; other
	# clients on PATH may demand buildx.
	DOCKER=(env DOCKER_BUILDKIT=1 /usr/bin/docker)
	if ! "${DOCKER[@]}" version >/dev/null 2>&1; then
		docker_start || return 1
	fi
	local img
	for img in busybox golang; do
		# A shared daemon keeps its own busybox or golang, if it has one.
		if [ -z "$DOCKER_OWN_PID" ] && "${DOCKER[@]}" image inspect "$img:latest" >/dev/null 2>&1; then
			echo "the running dockerd already has an image $img:latest; stop that daemon to let compare.sh start its own"
			return 1
		fi
		skopeo copy -q "oci:$W/img/$img:latest" "docker-archive:$W/$img.tar:$img:latest" >/dev/null
		"${DOCKER[@]}" load -q -i "$W/$img.tar" >/dev/null
		rm -f "$W/$img.tar"
		DOCKER_LOADED+=("$img:latest")
	done
}

# docker_start runs a private dockerd on its own socket and data root, so
# pruning its build cache touches nobody else's.
docker_start() {
	mkdir -p "$W/docker"
	dockerd --iptables=false --bridge=none --data-root "$W/docker/root" --exec-root "$W/run/dx" \
		--pidfile "$W/docker/pid" -H "unix://$W/docker/sock" >"$W/docker/log" 2>&1 &
	DOCKER_OWN_PID=$!
	DOCKER=(env DOCKER_BUILDKIT=1 DOCKER_HOST="unix://$W/docker/sock" /usr/bin/docker)
	local i
	for i in $(seq 60); do
		"${DOCKER[@]}" version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKER_OWN_PID" 2>/dev/null || break
		sleep 0.5
	done
	echo "dockerd did not answer: $(tail -n 1 "$W/docker/log")"
	return 1
}

buildkit_argv() { ARGV=("${DOCKER[@]}" build --network host -q -t "$2" ${3:-} "$1"); }

buildkit_clean() {
	"${DOCKER[@]}" rmi -f "$1" >/dev/null 2>&1 || true
	if [ -n "$DOCKER_OWN_PID" ]; then
		"${DOCKER[@]}" builder prune -af >/dev/null 2>&1 || true
	fi
}

# BuildKit's work happens in dockerd, so its memory is dockerd's.
dockerd_pid() {
	if [ -n "$DOCKER_OWN_PID" ]; then echo "$DOCKER_OWN_PID"; else pgrep -xo dockerd; fi
}
buildkit_rss_reset() { echo 5 >"/proc/$(dockerd_pid)/clear_refs"; }
buildkit_rss() { awk '/^VmHWM:/ { print $2 }' "/proc/$(dockerd_pid)/status"; }

buildkit_teardown() {
	if [ -z "$DOCKER_OWN_PID" ]; then
		# A shared daemon: take back only what this run put there.
		[ ${#DOCKER[@]} -gt 0 ] || return 0
		local wl
		for wl in hello steps30 fanout bigcopy; do
			"${DOCKER[@]}" rmi -f "sbbench-$wl" >/dev/null 2>&1 || true
		done
		[ ${#DOCKER_LOADED[@]} -eq 0 ] || "${DOCKER[@]}" rmi -f "${DOCKER_LOADED[@]}" >/dev/null 2>&1 || true
		return 0
	fi
	# dockerd leaves its containerd's mounts behind only when killed hard.
	stop_daemon "$DOCKER_OWN_PID" "$W/docker"
	DOCKER_OWN_PID=""
}

# stop_daemon PID DIR: ask the daemon to stop, kill it after 20 s, and
# unmount whatever it left mounted under DIR.
stop_daemon() {
	kill "$1" 2>/dev/null || true
	local i
	for i in $(seq 40); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.5
	done
	kill -9 "$1" 2>/dev/null || true
	grep -o " $2/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

# --- BuildKit's current release, a root buildkitd of its own ---
# Debian's docker.io carries BuildKit as of 2021; this peer is BuildKit
# built from its module at BKD_VERSION, run as root with the OCI worker
# (runc, overlayfs snapshotter, host network) and driven by buildctl.

BKD_VERSION=v0.34.2
BKD_BIN=${BENCH_CACHE:-/var/cache/stagebox-bench}/bin
BKD_PID=""
BUILDCTL=()
BKD_OPTS=()

buildkitd_setup() {
	command -v runc >/dev/null || {
		echo "runc is not installed (apt-get install runc): buildkitd's OCI worker runs RUN steps with it"
		return 1
	}
	bkd_install || return 1
	mkdir -p "$W/bkd"
	"$BKD_BIN/buildkitd" --root "$W/bkd/root" --addr "unix://$W/bkd/sock" \
		--oci-worker=true --containerd-worker=false --oci-worker-snapshotter overlayfs \
		--oci-worker-net host >"$W/bkd/log" 2>&1 &
	BKD_PID=$!
	BUILDCTL=("$BKD_BIN/buildctl" --addr "unix://$W/bkd/sock")
	local i
	for i in $(seq 60); do
		if "${BUILDCTL[@]}" debug workers >/dev/null 2>&1; then
			bkd_base_images
			return
		fi
		kill -0 "$BKD_PID" 2>/dev/null || break
		sleep 0.5
	done
	echo "buildkitd did not answer: $(tail -n 1 "$W/bkd/log")"
	return 1
}

# bkd_install builds buildkitd and buildctl once into $BKD_BIN; later runs
# reuse them. `go install ...@version` refuses this module (its go.mod has
# exclude directives), so it builds inside the downloaded module instead.
bkd_install() {
	[ -x "$BKD_BIN/buildkitd" ] && [ -x "$BKD_BIN/buildctl" ] && return 0
	log "building buildkitd and buildctl $BKD_VERSION into $BKD_BIN (minutes, once)"
	local mod=github.com/moby/buildkit@$BKD_VERSION
	mkdir -p "$BKD_BIN"
	(cd "$W" && GOFLAGS= go mod download "$mod") || {
		echo "cannot download $mod from the Go module proxy"
		return 1
	}
	(cd "$(go env GOMODCACHE)/$mod" && GOFLAGS=-mod=mod go build -trimpath -o "$BKD_BIN/" ./cmd/buildkitd ./cmd/buildctl) || {
		echo "building $mod failed"
		return 1
	}
}

# bkd_base_images names the fixture OCI layouts as the Dockerfiles' FROM
# busybox / FROM golang: buildctl hands each layout to the daemon and a
# named context points the FROM at it. The reference needs the manifest's
# digest, not a tag.
bkd_base_images() {
	local img digest
	BKD_OPTS=()
	for img in busybox golang; do
		digest=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$W/img/$img/index.json" | head -n 1 | cut -d'"' -f4)
		BKD_OPTS+=(--oci-layout "$img=$W/img/$img" --opt "context:$img=oci-layout://$img@$digest")
	done
}

# The dockerfile frontend built into the daemon: no gateway image to pull.
buildkitd_argv() {
	ARGV=("${BUILDCTL[@]}" build --frontend dockerfile.v0 --local "context=$1" --local "dockerfile=$1"
		"${BKD_OPTS[@]}" --output "type=image,name=$2" ${3:-})
}

# Pruning everything also drops the unpacked base images: a cold run loads
# them from the OCI layouts again.
buildkitd_clean() { "${BUILDCTL[@]}" prune --all >/dev/null; }

# The daemon's high-water mark, as for dockerd: RUN steps (runc) are not in it.
buildkitd_rss_reset() { echo 5 >"/proc/$BKD_PID/clear_refs"; }
buildkitd_rss() { awk '/^VmHWM:/ { print $2 }' "/proc/$BKD_PID/status"; }

buildkitd_teardown() {
	[ -n "$BKD_PID" ] || return 0
	stop_daemon "$BKD_PID" "$W/bkd"
	BKD_PID=""
}
