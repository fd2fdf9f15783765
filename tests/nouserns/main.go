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
	"unsafe"

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
	if err := install(filter(pivot)); err != nil {
		fail(err)
	}
	fail(syscall.Exec(path, args, os.Environ()))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "nouserns:", err)
	os.Exit(1)
}

// Offsets into struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArg0 = 16 // low 32 bits on little-endian machines
)

// filter refuses user namespaces, or pivot_root alone.
func filter(pivot bool) []unix.SockFilter {
	ret := func(v uint32) unix.SockFilter { return unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: v} }
	jeq := func(k uint32, jt, jf uint8) unix.SockFilter {
		return unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: k, Jt: jt, Jf: jf}
	}
	load := func(off uint32) unix.SockFilter {
		return unix.SockFilter{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: off}
	}
	allow, eperm := ret(unix.SECCOMP_RET_ALLOW), ret(unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM))
	head := []unix.SockFilter{load(offArch), jeq(auditArch, 1, 0), allow, load(offNr)}
	if pivot {
		return append(head, jeq(unix.SYS_PIVOT_ROOT, 0, 1), eperm, allow)
	}
	return append(head,
		jeq(unix.SYS_CLONE3, 0, 1), ret(unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS)),
		jeq(unix.SYS_UNSHARE, 1, 0),
		jeq(unix.SYS_CLONE, 0, 3),
		load(offArg0),
		unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, K: unix.CLONE_NEWUSER, Jt: 0, Jf: 1},
		eperm,
		allow)
}

func install(prog []unix.SockFilter) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog)), 0, 0); err != nil {
		return fmt.Errorf("installing the seccomp filter: %w", err)
	}
	return nil
}
