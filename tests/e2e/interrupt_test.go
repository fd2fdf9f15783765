package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sleeper is the RUN the interrupt test stops; the odd number makes its
// process easy to find among the machine's.
var sleeper = []string{"sleep", "4177"}

// TestInterruptedRunLeavesNothingBehind is Ctrl-C during a RUN: stagebox
// exits, and no process, no mount and no half-made layer outlives it.
func TestInterruptedRunLeavesNothingBehind(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		before := storeLayers(t, s)
		ctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN touch /half-made && " + strings.Join(sleeper, " ") + "\n"})

		interruptBuild(t, s, a, 1, "bud", ctx)
		if after := storeLayers(t, s); !slices.Equal(before, after) {
			t.Errorf("layers in storage before %q, after %q: the half-made layer was kept", before, after)
		}
		// The store is not left locked or inconsistent.
		s.build(t, "FROM busybox\nRUN true\n", nil)
	})
}

// interruptBuild starts stagebox with args, waits until want RUN
// processes of sleeper run, sends Ctrl-C's SIGINT and checks that
// stagebox exits with 130 in one line, and that no RUN process and no
// mount under the store outlive it.
func interruptBuild(t *testing.T, s *store, a *account, want int, args ...string) {
	t.Helper()
	cmd := a.command(context.Background(), s.dir, opts{}, s.args(args...)...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var err error
	exited := make(chan struct{})
	go func() { err = cmd.Wait(); close(exited) }()
	if !waitFor(60*time.Second, func() bool { return len(processesRunning(sleeper)) >= want }, exited) {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("%d RUNs never ran at once:\n%s", want, out.String())
	}

	// What a terminal does on Ctrl-C: SIGINT to the foreground group.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("stagebox did not stop within 30s of SIGINT:\n%s", out.String())
	}
	code := cmd.ProcessState.ExitCode()
	t.Logf("exit %d (%v) after SIGINT:\n%s", code, err, out.String())
	checkNoStackTrace(t, result{args: cmd.Args, stdout: out.String()})
	if code == 0 {
		t.Errorf("exit status 0 after SIGINT")
	}
	if !a.viaRunuser && code != 130 {
		t.Errorf("exit status %d after SIGINT, want 130", code)
	}
	if !waitFor(5*time.Second, func() bool { return len(processesRunning(sleeper)) == 0 }, nil) {
		t.Errorf("the RUN's process outlived stagebox: pids %v", processesRunning(sleeper))
	}
	if m := mountsUnder(t, s.dir); len(m) > 0 {
		t.Errorf("mounts left under the store:\n%s", strings.Join(m, "\n"))
	}
}

// waitFor polls cond until it holds (true), or until timeout passes or
// stop is closed (then it reports cond once more).
func waitFor(timeout time.Duration, cond func() bool, stop <-chan struct{}) bool {
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-stop:
			return cond()
		case <-deadline:
			return cond()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return true
}

// processesRunning lists pids whose argv is exactly argv.
func processesRunning(argv []string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	want := strings.Join(argv, "\x00") + "\x00"
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && string(data) == want {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// mountsUnder lists this mount namespace's mount points under dir.
func mountsUnder(t *testing.T, dir string) []string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir) {
			found = append(found, f[4])
		}
	}
	return found
}

// storeLayers lists the layer IDs containers-storage records in the store.
func storeLayers(t *testing.T, s *store) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.root(), "*-layers", "layers.json"))
	volatile, _ := filepath.Glob(filepath.Join(s.runroot(), "*-layers", "volatile-layers.json"))
	var ids []string
	for _, f := range append(files, volatile...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var layers []struct{ ID string }
		if err := json.Unmarshal(data, &layers); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, l := range layers {
			ids = append(ids, l.ID)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no layers.json under %s", s.root())
	}
	slices.Sort(ids)
	return ids
}

// syncBuffer is a bytes.Buffer safe for the writer goroutines exec starts
// and a reader polling it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
