package sandbox

import (
	"github.com/stagebox/stagebox/sandbox/seccomp"
	"golang.org/x/sys/unix"
)

// prootFilter answers faccessat2 with ENOSYS for proot and everything it
// traces. proot 5.x does not translate faccessat2 (Linux 5.8), so the
// call would check the host's path instead of the rootfs's: Go's
// exec.LookPath uses it, and `go build` then cannot find its compiler.
// On ENOSYS, Go and glibc fall back to fstatat or faccessat, which proot
// translates. Since Linux 4.8 seccomp runs after ptrace's syscall-entry
// stop, and RET_ERRNO outranks the RET_TRACE of proot's own filter.
func prootFilter() []unix.SockFilter {
	return seccomp.ForNativeArch(
		seccomp.JumpEq(unix.SYS_FACCESSAT2, 0, 1), seccomp.Errno(unix.ENOSYS),
		seccomp.Allow())
}
