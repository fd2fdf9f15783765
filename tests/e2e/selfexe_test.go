package e2e

import (
	"strings"
	"testing"
)

// Each RUN's container init is stagebox itself, seen through a view the
// container cannot write. When that view cannot be a free overlay (always
// rootless), libcontainer copied the whole binary into memory for every
// RUN; stagebox makes that copy once per build (sandbox.SealSelfExe).
// libcontainer's debug log names each copy.
func TestRunStepsDoNotCopyTheBinaryEach(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		r := s.bud(t, opts{}, "FROM busybox\nRUN true\nRUN true\nRUN true\n", nil, "--no-cache")
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		r = s.run(t, opts{}, "--log-level", "debug", "bud", "--no-cache", r.args[len(r.args)-1])
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		if n := strings.Count(r.stderr, "cloning /proc/self/exe binary"); n > 1 {
			t.Errorf("the binary was copied %d times for 3 RUN steps, want at most once:\n%s", n, r)
		}
	})
}
