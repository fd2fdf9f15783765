package e2e

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stagebox/stagebox/tests/fixtures"
)

// ttySession is stagebox running with a pseudo-terminal of the test's as
// its controlling terminal and stdio, as in a person's terminal window.
type ttySession struct {
	master  *os.File
	out     *syncBuffer
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

// startTTY runs stagebox with args on this store in a new session whose
// terminal is rows x cols.
func (s *store) startTTY(t *testing.T, o opts, rows, cols uint16, args ...string) *ttySession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	cmd := s.a.command(ctx, s.dir, o, s.args(args...)...)
	cmd.Stdin = nil
	master, err := pty.StartWithAttrs(cmd, &pty.Winsize{Rows: rows, Cols: cols}, &syscall.SysProcAttr{Setsid: true, Setctty: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ts := &ttySession{master: master, out: &syncBuffer{}, cmd: cmd, done: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(ts.out, master) // ends with EIO once the session is gone
		close(copied)
	}()
	go func() {
		ts.waitErr = cmd.Wait()
		cancel()
		<-copied
		close(ts.done)
	}()
	t.Cleanup(func() {
		select {
		case <-ts.done:
		default:
			cmd.Cancel()
			master.Close()
			<-ts.done
		}
		master.Close()
	})
	return ts
}

func (ts *ttySession) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(ts.master, line+"\r"); err != nil {
		t.Fatalf("typing %q: %v", line, err)
	}
}

// expect waits for re in the session's output and returns the match. It
// fails when the session ends without it (or at expectGuard).
func (ts *ttySession) expect(t *testing.T, re string) string {
	t.Helper()
	pat := regexp.MustCompile(re)
	deadline := time.Now().Add(expectGuard)
	for time.Now().Before(deadline) {
		if m := pat.FindString(ts.out.String()); m != "" {
			return m
		}
		select {
		case <-ts.done:
			if m := pat.FindString(ts.out.String()); m != "" {
				return m
			}
			t.Fatalf("stagebox ended without printing %q; the terminal showed:\n%s", re, ts.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %q after %s; the terminal showed:\n%s", re, expectGuard, ts.out.String())
	return ""
}

// expectGuard bounds one wait for output: a hang guard that makes a stuck
// session fail with what it showed, not a timing assertion.
const expectGuard = 2 * time.Minute

// exitCode waits for the session's end.
func (ts *ttySession) exitCode(t *testing.T) int {
	t.Helper()
	<-ts.done
	var exit *exec.ExitError
	switch {
	case ts.waitErr == nil:
		return 0
	case errors.As(ts.waitErr, &exit):
		return exit.ExitCode()
	}
	t.Fatalf("waiting for stagebox: %v", ts.waitErr)
	return -1
}

// TestRunInteractiveTerminal drives `stagebox run -it IMAGE sh` through a
// pseudo-terminal: a prompt, a terminal of the container's own, job
// control, the window size at start and after a resize, the exit status.
// Under proot -t is refused with one line.
func TestRunInteractiveTerminal(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		for _, tier := range []string{"default", "proot"} {
			t.Run(tier, func(t *testing.T) {
				var o opts
				if tier == "proot" {
					o.env = []string{"STAGEBOX_ISOLATION=proot"}
				}
				s := newStore(t, a)
				id := s.run(t, o, "pull", "oci:"+busyboxLayout+":"+fixtures.Tag).id(t)
				s.must(t, "tag", id, "busybox")
				if tier == "proot" {
					r := s.run(t, o, "run", "-t", "busybox", "true")
					// The tier's own notices may come first; the refusal is the last line.
					if last := lastLine(r.stderr); r.code == 0 || !strings.Contains(last, "proot tier") || !strings.HasPrefix(last, "Error: run -t") {
						t.Errorf("run -t under proot: want a one-line refusal naming the tier:\n%s", r)
					}
					return
				}
				terminalSession(t, s.startTTY(t, o, 24, 80, "run", "-it", "-e", "PS1=sb-prompt>", "busybox", "sh"))
			})
		}
	})
}

func terminalSession(t *testing.T, ts *ttySession) {
	// busybox asks where the cursor is (ESC[6n) right after the prompt.
	ts.expect(t, `sb-prompt>`)
	ts.send(t, `echo "T=$(tty)"`)
	ts.expect(t, `T=/dev/pts/[0-9]+`)
	ts.send(t, `echo "S=$(stty size)"`)
	ts.expect(t, `S=24 80`)
	ts.send(t, `case $- in *m*) echo "JC=on";; esac; sleep 1000 & kill %1 && echo "K=job-killed"`)
	ts.expect(t, `JC=on`)
	ts.expect(t, `K=job-killed`)
	if err := pty.Setsize(ts.master, &pty.Winsize{Rows: 33, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	// The resize reaches the container asynchronously: wait for it in the
	// container rather than guess a delay.
	ts.send(t, `while [ "$(stty size)" = "24 80" ]; do sleep 0.05; done; echo "R=$(stty size)"`)
	ts.expect(t, `R=33 101`)
	ts.send(t, `exit 7`)
	if code := ts.exitCode(t); code != 7 {
		t.Errorf("exit 7 in the terminal gave exit status %d\n%s", code, ts.out.String())
	}
	if strings.Contains(ts.out.String(), "goroutine ") {
		t.Errorf("Go stack trace on the terminal:\n%s", ts.out.String())
	}
}
