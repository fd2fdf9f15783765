package sandbox

import (
	"fmt"
	"os"

	"github.com/opencontainers/runc/libcontainer/exeseal"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// sealedExeEnv marks a process that SealSelfExe already re-executed, so a
// copy that somehow does not pass as sealed is never re-executed again.
const sealedExeEnv = "_STAGEBOX_SEALED_EXE"

// SealSelfExe makes this process run from a sealed in-memory copy of its
// binary when libcontainer would otherwise make that copy for every RUN.
// Each RUN's container init is this binary, re-executed through a view
// the container cannot write (CVE-2019-5736). libcontainer makes that view
// with a read-only overlay of the binary's directory and the RUN's state
// directory, which costs nothing, but falls back to copying the whole
// binary (tens of MB) into a sealed memfd per RUN when the overlay cannot
// be made: always in the rootless namespace (storage's re-exec into it
// runs the binary through a bind mount it then detaches, and mounts under
// /tmp may be locked there), and as root when the binary's directory
// contains the state directories (overlay refuses nested layers). Each
// copy cost about 18 ms, plus a slower start of the init from a fresh
// copy. Run from a sealed memfd, libcontainer uses /proc/self/exe as is.
//
// stateDir is where RUN state directories will be made (it is created).
// Call it inside the namespaces (after EnterUserNamespace) before work
// starts: on success it does not return, the process starts over from its
// new image (same pid, namespaces, arguments and environment). It does
// nothing when the overlay works, and a failure only costs the copies.
func SealSelfExe(stateDir string) {
	if os.Getenv(sealedExeEnv) != "" || IsProot() || exeseal.IsSelfExeCloned() {
		return
	}
	exe, err := probeExeSeal(stateDir)
	if err != nil {
		logrus.Debugf("sealing this binary: %v", err)
		return
	}
	defer exe.Close()
	if !exeseal.IsCloned(exe) {
		if sameFile(exe) {
			return // the overlay view worked: libcontainer's own per-RUN view is cheap
		}
		// The binary is a single-file bind mount: an overlay of its
		// directory shows the file underneath (often empty), and every
		// RUN's init would fail with "exec format error". Copy it once.
		exe.Close()
		if exe, err = cloneSelf(stateDir); err != nil {
			logrus.Warnf("copying this binary for RUN steps: %v", err)
			return
		}
	}
	os.Setenv(sealedExeEnv, "1")
	path := fmt.Sprintf("/proc/self/fd/%d", exe.Fd())
	err = unix.Exec(path, os.Args, os.Environ())
	logrus.Debugf("re-executing from a sealed copy of this binary: %v", err)
}

// sameFile reports whether the overlay view shows this very binary: same
// size and modification time as /proc/self/exe (overlay renumbers inodes).
func sameFile(view *os.File) bool {
	var a, b unix.Stat_t
	if unix.Fstat(int(view.Fd()), &a) != nil || unix.Stat("/proc/self/exe", &b) != nil {
		return false
	}
	return a.Size == b.Size && a.Mtim == b.Mtim
}

// cloneSelf copies /proc/self/exe into a sealed memfd.
func cloneSelf(stateDir string) (*os.File, error) {
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	defer self.Close()
	fi, err := self.Stat()
	if err != nil {
		return nil, err
	}
	return exeseal.CloneBinary(self, fi.Size(), "/proc/self/exe", stateDir)
}

// probeExeSeal seals this binary as libcontainer does for a RUN whose
// state directory is in stateDir.
func probeExeSeal(stateDir string) (*os.File, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(stateDir, "exe-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	return exeseal.CloneSelfExe(dir)
}

// Sealed reports whether this process already runs from a sealed copy of
// its binary (SealSelfExe re-executed it, or it was started so).
func Sealed() bool {
	return os.Getenv(sealedExeEnv) != "" || exeseal.IsSelfExeCloned()
}
