#!/usr/bin/env bash
# Prepares a Debian or Ubuntu host for stagebox, idempotently, as root:
#   - installs the packages given as arguments (default: what building
#     stagebox and running the demo need) when they are missing;
#   - creates the unprivileged user $STAGEBOX_TEST_USER (default sbtest) with
#     a home and /etc/subuid + /etc/subgid ranges, which rootless builds need
#     to map more than one id;
#   - creates $STAGEBOX_TEST_USER_NOSUBID (default sbnosub) with a home but
#     no subordinate ranges, for the tests of a locked-down host, where
#     stagebox must map the user alone.
set -euo pipefail

user=${STAGEBOX_TEST_USER:-sbtest}
nosubid=${STAGEBOX_TEST_USER_NOSUBID:-sbnosub}
# gcc and libc6-dev: runc's nsenter is cgo. busybox-static: the test and
# demo base images. uidmap: newuidmap/newgidmap for rootless id ranges.
default_packages=(busybox-static uidmap gcc libc6-dev make ca-certificates)
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=("${default_packages[@]}")

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host.sh: run as root (it installs packages and creates $user)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-host.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! id -u "$user" >/dev/null 2>&1; then
	echo "setup-host.sh: creating user $user"
	useradd --create-home --shell /bin/sh "$user"
fi

# add_range FILE: give $user 65536 subordinate ids in FILE unless it has some.
# 100000 is the conventional first range; if another user holds it, take the
# first free block above every existing range.
add_range() {
	local file=$1 start
	touch "$file"
	grep -q "^$user:" "$file" && return
	if awk -F: 'NF == 3 && $2 < 165536 && $2 + $3 > 100000 { busy = 1 } END { exit !busy }' "$file"; then
		start=$(awk -F: 'BEGIN { end = 100000 } NF == 3 && $2 + $3 > end { end = $2 + $3 } END { print end }' "$file")
	else
		start=100000
	fi
	# A file whose last line lacks its newline would glue ours onto it.
	if [ -s "$file" ] && [ -n "$(tail -c 1 "$file")" ]; then echo >>"$file"; fi
	echo "$user:$start:65536" >>"$file"
	echo "setup-host.sh: $file: $user:$start:65536"
}
add_range /etc/subuid
add_range /etc/subgid

# SUB_*_COUNT=0 stops useradd from giving ranges; an older account that got
# some loses them, so the locked-down tests see no ranges at all.
if ! id -u "$nosubid" >/dev/null 2>&1; then
	echo "setup-host.sh: creating user $nosubid (no subordinate ids)"
	useradd --create-home --shell /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$nosubid"
fi
for file in /etc/subuid /etc/subgid; do
	if grep -q "^$nosubid:" "$file" 2>/dev/null; then
		sed -i "/^$nosubid:/d" "$file"
		echo "setup-host.sh: $file: removed the ranges of $nosubid"
	fi
done
