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
	libcontainer.Init()
}
