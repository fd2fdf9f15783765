#!/usr/bin/env bash
# dockerd.sh DIR [DOCKERD-FLAGS...]: starts Debian's dockerd, as root, with
# its data root, exec root, pid file and socket all under DIR, unless the
# daemon of DIR already answers; waits for it and prints its DOCKER_HOST.
# Idempotent: .ci/run and the locked-down suite both call it.
#
#   dockerd.sh /var/lib/stagebox-dockerd/default         # the suite's daemon
#   dockerd.sh /var/lib/stagebox-dockerd/remap --userns-remap=default
#
# These VMs have no NAT for containers and need none: no iptables rules and
# no bridge (images are built with --network host, tests run offline).
set -euo pipefail

dir=${1:?usage: dockerd.sh DIR [DOCKERD-FLAGS...]}
shift
host=unix://$dir/docker.sock
export DOCKER_HOST=$host

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if answers; then
	echo "$host"
	exit 0
fi
command -v dockerd >/dev/null || { echo "dockerd.sh: no dockerd: apt-get install docker.io" >&2; exit 1; }
mkdir -p "$dir/data" "$dir/exec"
# A daemon killed without cleanup leaves its pid file and socket behind.
if [ -f "$dir/docker.pid" ] && kill -0 "$(cat "$dir/docker.pid")" 2>/dev/null; then
	echo "dockerd.sh: dockerd $(cat "$dir/docker.pid") of $dir runs but does not answer on $host" >&2
	exit 1
fi
rm -f "$dir/docker.pid" "$dir/docker.sock"
# containerd runs inside dockerd (its own state under the exec root).
setsid dockerd --iptables=false --ip6tables=false --bridge=none \
	--data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
	--host "$host" "$@" >"$dir/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 1 120); do
	if answers; then
		echo "$host"
		exit 0
	fi
	if ! kill -0 $! 2>/dev/null; then
		echo "dockerd.sh: dockerd exited; last lines of $dir/dockerd.log:" >&2
		tail -n 5 "$dir/dockerd.log" >&2
		exit 1
	fi
	sleep 0.5
done
echo "dockerd.sh: dockerd did not answer on $host within 60 s; see $dir/dockerd.log" >&2
exit 1
