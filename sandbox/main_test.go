package sandbox

import (
	"fmt"
	"os"
	"testing"

	"go.podman.io/storage/pkg/reexec"
)

// enterErr is why the tests could not enter a namespace; Run tests skip
// with it.
var enterErr error

// TestMain makes the test binary what stagebox's main is: its own
// container init (libcontainer re-executes /proc/self/exe "init"), and,
// as root or not, running inside EnterUserNamespace's namespaces.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	if os.Getenv(faccessProbeEnv) != "" {
		faccessProbe()
	}
	InitIfRequested()
	if err := EnterUserNamespace(); err != nil {
		enterErr = err
		fmt.Fprintln(os.Stderr, "sandbox tests: not in a namespace:", err)
	}
	os.Exit(m.Run())
}

// needSandbox skips t when Run cannot work in this test process.
func needSandbox(t *testing.T) {
	t.Helper()
	if enterErr != nil {
		t.Skipf("needs root or a working user namespace: %v", enterErr)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root, or EnterUserNamespace to have made this process root in a user namespace")
	}
}
