package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// commandTimeout bounds one stagebox invocation; the slowest, the demo's
// cold Go build, takes well under a minute.
const commandTimeout = 5 * time.Minute

// result is what one stagebox invocation did.
type result struct {
	args           []string
	stdout, stderr string
	code           int // -1: killed by a signal
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("stagebox %s\n  exit %d after %s\n  stdout:\n%s  stderr:\n%s",
		shown(r.args), r.code, r.took.Round(time.Millisecond), indent(r.stdout), indent(r.stderr))
}

// shown is args for a log line, without the --root/--runroot pair every
// call has.
func shown(args []string) string {
	var out []string
	for i := 0; i < len(args); i++ {
		if (args[i] == "--root" || args[i] == "--runroot") && i+1 < len(args) {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return strings.Join(out, " ")
}

func indent(s string) string {
	if s == "" {
		return "    (empty)\n"
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

var imageID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// id is the image ID a command printed as its last line, as buildah does.
func (r result) id(t *testing.T) string {
	t.Helper()
	id := lastLine(r.stdout)
	if !imageID.MatchString(id) {
		t.Fatalf("last line of stdout is %q, want a 64-hex image ID\n%s", id, r)
	}
	return id
}

// opts are the less common knobs of an invocation.
type opts struct {
	env   []string // added to the environment
	stdin string
	wrap  []string // run the command through this prefix (as the suite's user)
}

// command prepares stagebox with args as account a, in its own process
// group so a test can signal it like a terminal would. The environment is
// the suite's minus the XDG directories, which name root's when the suite is
// root and would send the unprivileged user's state there.
func (a *account) command(ctx context.Context, dir string, o opts, args ...string) *exec.Cmd {
	argv := append([]string{binary}, args...)
	if a.viaRunuser {
		argv = append([]string{"runuser", "-u", a.name, "--"}, argv...)
	}
	argv = append(append([]string(nil), o.wrap...), argv...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "XDG_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, o.env...)
	cmd.Stdin = strings.NewReader(o.stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// run runs stagebox as a in dir and returns what happened, whatever the exit
// status. Any Go stack trace in the output fails the test: users must never
// see one (design.md §3).
func (a *account) run(t *testing.T, dir string, o opts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := a.command(ctx, dir, o, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("starting stagebox %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("timed out after %s:\n%s", commandTimeout, r)
	}
	checkNoStackTrace(t, r)
	t.Logf("stagebox %s: exit %d in %s", shown(args), r.code, r.took.Round(time.Millisecond))
	return r
}

func checkNoStackTrace(t *testing.T, r result) {
	t.Helper()
	for _, s := range []string{"goroutine ", "panic:"} {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("Go stack trace (%q) in the output:\n%s", s, r)
		}
	}
}
