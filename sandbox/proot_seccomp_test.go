package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// faccessProbeEnv makes the test binary print how faccessat2 and
// faccessat fare, and exit (see TestMain).
const faccessProbeEnv = "SANDBOX_TEST_FACCESS_PROBE"

func faccessProbe() {
	name := func(err error) string {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			return unix.ErrnoName(errno)
		}
		if err != nil {
			return err.Error()
		}
		return "ok"
	}
	fmt.Printf("faccessat2=%s faccessat=%s\n",
		name(unix.Faccessat2(unix.AT_FDCWD, "/", unix.X_OK, unix.AT_EACCESS)),
		name(unix.Faccessat(unix.AT_FDCWD, "/", unix.X_OK, 0)))
	os.Exit(0)
}

func runFaccessProbe(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	cmd.Env = append(os.Environ(), faccessProbeEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestProotReaperAnswersFaccessat2WithENOSYS: what the reaper starts (proot,
// and so every process proot traces) gets ENOSYS for faccessat2, so Go and
// glibc fall back to calls proot translates; everything else still runs.
func TestProotReaperAnswersFaccessat2WithENOSYS(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if got := runFaccessProbe(t, exec.Command(self)); got != "faccessat2=ok faccessat=ok" {
		t.Skipf("this kernel's faccessat2 fails already (%s): nothing to filter", got)
	}
	got := runFaccessProbe(t, reexec.Command(prootReaperName, self))
	if want := "faccessat2=ENOSYS faccessat=ok"; got != want {
		t.Errorf("under the proot reaper: %q, want %q", got, want)
	}
}
