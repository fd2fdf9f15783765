// Command nouserns runs a command under a seccomp filter that refuses
// user namespaces the way Docker's default profile does for a process
// without CAP_SYS_ADMIN: unshare and clone with CLONE_NEWUSER fail with
// EPERM, and clone3 with ENOSYS (so callers fall back to clone, where the
// flags can be seen). With -pivot-root it refuses pivot_root instead, as
// that profile does even with CAP_SYS_ADMIN. The e2e suite uses it to stand
// for a default container on a host where Docker is not at hand:
//
//	nouserns stagebox info
//	nouserns -pivot-root stagebox info
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"github.com/stagebox/stagebox/sandbox/seccomp"
	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: nouserns COMMAND [ARG...]")
		os.Exit(2)
	}
	args, pivot := os.Args[1:], false
	if args[0] == "-pivot-root" {
		args, pivot = args[1:], true
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		fail(err)
	}
	runtime.LockOSThread() // the filter and the exec must be on one thread
	if err := seccomp.Install(filter(pivot)); err != nil {
		fail(err)
	}
	fail(syscall.Exec(path, args, os.Environ()))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "nouserns:", err)
	os.Exit(1)
}

// filter refuses user namespaces, or pivot_root alone.
func filter(pivot bool) []unix.SockFilter {
	allow, eperm := seccomp.Allow(), seccomp.Errno(unix.EPERM)
	if pivot {
		return seccomp.ForNativeArch(seccomp.JumpEq(unix.SYS_PIVOT_ROOT, 0, 1), eperm, allow)
	}
	return seccomp.ForNativeArch(
		seccomp.JumpEq(unix.SYS_CLONE3, 0, 1), seccomp.Errno(unix.ENOSYS),
		seccomp.JumpEq(unix.SYS_UNSHARE, 1, 0),
		seccomp.JumpEq(unix.SYS_CLONE, 0, 3),
		seccomp.Load(seccomp.OffArg0),
		seccomp.JumpSet(unix.CLONE_NEWUSER, 0, 1),
		eperm,
		allow)
}
