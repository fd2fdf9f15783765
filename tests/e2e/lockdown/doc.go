// Package lockdown builds with stagebox inside Docker containers that stand
// for CI jobs and pods: Docker's defaults as root and as a non-root user, a
// Pod Security "restricted" pod, seccomp unconfined with a masked /proc
// (setuid and file-capability newuidmap), /dev/fuse given, the store on a
// volume, a read-only root with a tmpfs /tmp, a userns-remapped daemon
// (hostUsers: false) and a privileged reference. Each configuration builds
// the seed example (the Go toolchain fixture and contrib/examples/hello)
// and a RUN-heavy Dockerfile, and the test checks the isolation tier
// stagebox announces, the ownership of files in the pushed images (read
// back on the host with tests/ocidir) and the causes `info --json` names.
//
// The containers run Debian's docker.io daemon: the one DOCKER_HOST names,
// else the suite's own (dockerd.sh, under /var/lib/stagebox-dockerd), which
// the suite starts when it does not answer and stops again when it started
// it. The test image is contrib/Dockerfile's `runtime` stage on a Debian
// base made with debootstrap, both cached by tag in the daemon, so only the
// first run pays for them. The suite skips, saying why, only when no
// daemon can run: no dockerd installed, or not root and none answering.
//
// Environment: STAGEBOX_BINARY uses a prebuilt static binary;
// STAGEBOX_LOCKDOWN_KEEP=1 keeps the work directory and the daemons.
package lockdown
