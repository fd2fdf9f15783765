#!/usr/bin/env bash
# Prepares a Debian host for stagebox's multi-platform tests, idempotently,
# as root:
#   - installs qemu-user-static and binfmt-support, whose handlers carry the
#     F (fix-binary) flag RUN in a user namespace needs;
#   - mounts binfmt_misc when the host has not, and enables the handlers
#     (stagebox itself never mounts or registers anything);
#   - puts an arm64 static busybox, from Debian's busybox-static:arm64
#     package, at /usr/local/lib/stagebox-fixtures/busybox-arm64 for the
#     arm64 fixture images.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-emulation.sh: run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
fixtures=/usr/local/lib/stagebox-fixtures

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends qemu-user-static binfmt-support

if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
		echo "setup-emulation.sh: cannot mount binfmt_misc here: the emulated tests will be skipped" >&2
fi
if [ -e /proc/sys/fs/binfmt_misc/register ]; then
	update-binfmts --enable || true
fi

if [ ! -x "$fixtures/busybox-arm64" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get download busybox-static:arm64)
	dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/x"
	install -d -m 755 "$fixtures"
	install -m 755 "$tmp/x/bin/busybox" "$fixtures/busybox-arm64"
	echo "setup-emulation.sh: $fixtures/busybox-arm64"
fi
