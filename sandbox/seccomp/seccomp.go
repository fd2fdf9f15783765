// Package seccomp builds and installs the small classic-BPF seccomp
// filters stagebox needs: the proot tier's (faccessat2 answered with
// ENOSYS) and the test tool standing for Docker's default profile
// (tests/nouserns). A filter is a list of instructions run against
// struct seccomp_data; ForNativeArch puts the architecture check first.
package seccomp

import (
	"fmt"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Offsets into struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	// OffArg0 is the low 32 bits of the first argument on little-endian
	// machines.
	OffArg0 = 16
)

// Arch is the audit architecture of this build's system calls; 0 (which
// no system call carries, so every filter lets everything pass) on an
// architecture not listed.
var Arch = map[string]uint32{
	"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64, "386": unix.AUDIT_ARCH_I386,
	"arm": unix.AUDIT_ARCH_ARM, "riscv64": unix.AUDIT_ARCH_RISCV64, "ppc64le": unix.AUDIT_ARCH_PPC64LE,
	"s390x": unix.AUDIT_ARCH_S390X, "loong64": unix.AUDIT_ARCH_LOONGARCH64,
}[runtime.GOARCH]

// Ret ends the filter with action v (unix.SECCOMP_RET_*).
func Ret(v uint32) unix.SockFilter {
	return unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: v}
}

// Allow lets the system call run.
func Allow() unix.SockFilter { return Ret(unix.SECCOMP_RET_ALLOW) }

// Errno fails the system call with e, without running it.
func Errno(e syscall.Errno) unix.SockFilter {
	return Ret(unix.SECCOMP_RET_ERRNO | uint32(e))
}

// JumpEq skips jt instructions when the loaded word equals k, else jf.
func JumpEq(k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: k, Jt: jt, Jf: jf}
}

// JumpSet skips jt instructions when the loaded word has a bit of k set,
// else jf.
func JumpSet(k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, K: k, Jt: jt, Jf: jf}
}

// Load loads the 32-bit word at off in struct seccomp_data.
func Load(off uint32) unix.SockFilter {
	return unix.SockFilter{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: off}
}

// ForNativeArch is body behind a check of the audit architecture: a
// system call of another ABI (system call numbers differ per ABI) is
// allowed untouched; for the native one the system call number is loaded
// and body runs.
func ForNativeArch(body ...unix.SockFilter) []unix.SockFilter {
	head := []unix.SockFilter{Load(offArch), JumpEq(Arch, 1, 0), Allow(), Load(offNr)}
	return append(head, body...)
}

// Install sets no_new_privs (which lets a process without CAP_SYS_ADMIN
// install a filter) and then prog, on the calling thread only: lock the
// goroutine to its thread (runtime.LockOSThread) and start or exec the
// filtered program from it.
func Install(prog []unix.SockFilter) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("setting no_new_privs: %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog)), 0, 0); err != nil {
		return fmt.Errorf("installing a seccomp filter: %w", err)
	}
	return nil
}
