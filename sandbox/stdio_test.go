package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRunDoesNotGiveTheCallersStdoutAway(t *testing.T) {
	needSandbox(t)
	if ChownTolerant() {
		t.Skip("only one id is mapped, so uid 1000 does not exist here")
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p := Process{Rootfs: newRootfs(t), UID: 1000, GID: 1000, Args: []string{"echo", "hi"},
		Stdout: out, Stderr: out, StateDir: filepath.Join(t.TempDir(), "state")}
	if status, err := Run(context.Background(), p); err != nil || status != 0 {
		t.Fatalf("Run: %d, %v", status, err)
	}
	st, err := out.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if uid := st.Sys().(*syscall.Stat_t).Uid; uid != uint32(os.Getuid()) {
		t.Fatalf("the caller's stdout now belongs to uid %d", uid)
	}
	data, _ := os.ReadFile(out.Name())
	if strings.TrimSpace(string(data)) != "hi" {
		t.Fatalf("stdout got %q", data)
	}
}

func TestRunReturnsWhileStdinStaysOpen(t *testing.T) {
	needSandbox(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close() // like a terminal nobody types into: never EOF
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), Process{Rootfs: newRootfs(t), Args: []string{"true"},
			Stdin: r, StateDir: filepath.Join(t.TempDir(), "state")})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run waits for stdin to end")
	}
}

func TestRunUnmappedUIDIsAClearError(t *testing.T) {
	needSandbox(t)
	p := Process{Rootfs: newRootfs(t), Args: []string{"true"}, UID: 4294967295, StateDir: filepath.Join(t.TempDir(), "state")}
	_, err := Run(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "uid 4294967295 does not exist") || !strings.Contains(err.Error(), "usermod") {
		t.Fatalf("err = %v, want the unmapped uid and the fix", err)
	}
}

func TestRunConcurrently(t *testing.T) {
	needSandbox(t)
	shared := newRootfs(t)
	var wg sync.WaitGroup
	for i := range 8 {
		root := shared // half share one rootfs: those Runs take turns
		if i%2 == 0 {
			root = newRootfs(t)
		}
		wg.Go(func() {
			var out strings.Builder
			status, err := Run(context.Background(), Process{Rootfs: root, Args: []string{"sh", "-c", "echo $$"},
				Stdout: &out, Stderr: &out, StateDir: filepath.Join(t.TempDir(), "state")})
			if err != nil || status != 0 || strings.TrimSpace(out.String()) != "1" {
				t.Errorf("concurrent run: status %d, err %v, output %q", status, err, out.String())
			}
		})
	}
	wg.Wait()
}

func TestRunSeparatesStdoutAndStderr(t *testing.T) {
	needSandbox(t)
	var out, errOut strings.Builder
	p := Process{Rootfs: newRootfs(t), Args: []string{"sh", "-c", "echo out; echo err >&2"},
		Stdout: &out, Stderr: &errOut, StateDir: filepath.Join(t.TempDir(), "state")}
	if status, err := Run(context.Background(), p); err != nil || status != 0 {
		t.Fatalf("Run: %d, %v", status, err)
	}
	if out.String() != "out\n" || errOut.String() != "err\n" {
		t.Fatalf("stdout %q, stderr %q", out.String(), errOut.String())
	}
}
