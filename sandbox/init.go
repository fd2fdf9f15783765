// Package sandbox runs one process in one rootfs: it puts stagebox into a
// user namespace (rootless) or a private mount namespace (root), and runs
// RUN steps through runc's libcontainer. No libcontainer type leaves it.
package sandbox

import (
	"os"
	"runtime"

	"github.com/opencontainers/runc/libcontainer"
	// nsenter's C constructor joins/creates the container's namespaces
	// before the Go runtime starts in the "init" child; it must be linked
	// into the binary that libcontainer re-executes.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
	"golang.org/x/sys/unix"
)

// InitIfRequested runs libcontainer's container init and never returns when
// os.Args[1] is "init" (libcontainer re-executes /proc/self/exe that way);
// otherwise it returns at once. Call it first thing, from an init() function
// of the main package (and of test binaries that call Run).
func InitIfRequested() {
	if len(os.Args) < 2 || os.Args[1] != "init" {
		return
	}
	runtime.GOMAXPROCS(1)
	runtime.LockOSThread()
	// This process becomes the RUN's PID 1. nsenter cloned it, and a clone
	// starts with no parent-death signal, so libcontainer's
	// ParentDeathSignal never reaches it: a stagebox killed by SIGKILL
	// (or the OOM killer) would leave the RUN running forever. Set it here;
	// libcontainer keeps the current value across its setuid, and the
	// kernel keeps it across execve of the RUN's command. When PID 1 dies,
	// the kernel kills the rest of its PID namespace.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		os.Stderr.WriteString("stagebox init: setting the parent-death signal: " + err.Error() + "\n")
		os.Exit(1)
	}
	libcontainer.Init()
}
