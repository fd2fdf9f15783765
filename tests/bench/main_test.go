// Package bench holds stagebox's benchmarks of the build's hot paths:
// running a process in the sandbox, a RUN step end to end (layer, mount,
// run, unmount), committing layer chains, and copying and digesting trees.
// They need root (or a working user namespace) and busybox-static; run
//
//	go test -run '^$' -bench . -benchtime 20x ./tests/bench
//
// compare.sh, beside this file, measures whole builds against buildah and
// BuildKit.
package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/stagebox/stagebox/sandbox"
	"go.podman.io/storage/pkg/reexec"
)

// enterErr is why this process could not enter a namespace; the
// benchmarks that run processes skip with it.
var enterErr error

// TestMain makes the test binary what stagebox's main is: a container init
// for libcontainer's re-exec, a storage reexec helper, and inside the
// namespaces a build runs in.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	sandbox.InitIfRequested()
	if err := sandbox.EnterUserNamespace(); err != nil {
		enterErr = err
		fmt.Fprintln(os.Stderr, "bench: not in a namespace:", err)
	} else {
		sandbox.SealSelfExe(os.TempDir()) // as bud does; RUN state is made under TMPDIR here
	}
	status := m.Run()
	for _, dir := range scratch {
		os.RemoveAll(dir)
	}
	os.Exit(status)
}

// scratch lists directories the benchmarks keep until the process ends.
var scratch []string

func needRoot(b *testing.B) {
	b.Helper()
	if enterErr != nil {
		b.Skipf("needs root or a working user namespace: %v", enterErr)
	}
	if os.Geteuid() != 0 {
		b.Skip("needs root in this process's namespace")
	}
}
