#!/usr/bin/env bash
# The seed's demo, run by `make demo`: a Go program compiled in a golang
# stage (a toolchain image made offline from this machine's Go) and copied
# into FROM scratch, built as the current user and, when that is root, again
# as the unprivileged user $STAGEBOX_TEST_USER; then `stagebox run` of it.
#
# usage: demo.sh STAGEBOX_BINARY
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
binary=$1
work=${DEMO_DIR:-/tmp/stagebox-demo}
user=${STAGEBOX_TEST_USER:-sbtest}

# Everything the unprivileged user needs goes in a 0755 directory it can
# reach even when the repository is in root's home.
mkdir -p "$work"
chmod 0755 "$work"
install -m 0755 "$binary" "$work/stagebox"
rm -rf "$work/hello"
cp -r "$repo/contrib/examples/hello" "$work/hello"
chmod -R a+rX "$work/hello"
echo "== making the golang image from $(go env GOROOT)"
(cd "$repo" && go run ./tests/fixtures/mkfixture -golang "$work/golang")

# demo_as [USER]: pull the toolchain image, name it golang, build, run.
demo_as() {
	local as=(env -u XDG_RUNTIME_DIR -u XDG_DATA_HOME -u XDG_CONFIG_HOME)
	local who
	who=$(id -un)
	if [ $# -gt 0 ]; then
		as=(runuser -u "$1" -- "${as[@]}")
		who=$1
	fi
	local sb=("${as[@]}" "$work/stagebox")
	echo "== as $who: stagebox info"
	"${sb[@]}" info
	echo "== as $who: pull and tag the golang image"
	local id
	id=$("${sb[@]}" pull "oci:$work/golang:latest" | tail -n 1)
	"${sb[@]}" tag "$id" golang
	echo "== as $who: stagebox bud -t hello $work/hello"
	local start end
	start=$(date +%s%N)
	"${sb[@]}" bud -t hello "$work/hello"
	end=$(date +%s%N)
	echo "== as $who: build took $(((end - start) / 1000000)) ms"
	echo "== as $who: stagebox run hello"
	"${sb[@]}" run hello
}

cd "$work"
demo_as
if [ "$(id -u)" -eq 0 ]; then
	if id -u "$user" >/dev/null 2>&1; then
		demo_as "$user"
	else
		echo "== skipping the rootless half: user $user does not exist (make deps creates it)"
	fi
fi
