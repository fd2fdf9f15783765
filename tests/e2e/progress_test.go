package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// The live progress tests (issue 9, item 7): every mode writes the build's
// output on stderr, so stdout carries the image ID alone.

var updateGolden = flag.Bool("update", false, "rewrite the golden files of tests/e2e/testdata")

const progressDockerfile = "FROM busybox AS one\nRUN echo hello-progress\nENV A=b\n"

// progressContext is a store with busybox and a context holding
// progressDockerfile.
func progressContext(t *testing.T, a *account) (*store, string) {
	s := newStore(t, a)
	s.busybox(t)
	return s, s.context(t, map[string]string{"Dockerfile": progressDockerfile})
}

// budProgress runs a build that must succeed with --progress mode and
// print the image ID alone on stdout.
func budProgress(t *testing.T, s *store, mode string, args ...string) result {
	t.Helper()
	r := s.must(t, append([]string{"bud", "--progress", mode}, args...)...)
	wantIDOnly(t, r)
	return r
}

// wantIDOnly asserts that stdout holds the image ID and nothing else.
func wantIDOnly(t *testing.T, r result) {
	t.Helper()
	if id := r.id(t); r.stdout != id+"\n" {
		t.Errorf("stdout holds more than the image ID:\n%s", r)
	}
}

// TestProgressPlainShowsDurationsOnStderr pins plain mode: today's step
// lines, the RUN's output and each step's duration, a total at the end,
// all on stderr; a rebuild says CACHED.
func TestProgressPlainShowsDurationsOnStderr(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := progressContext(t, a)
		r := budProgress(t, s, "plain", ctx)
		for _, want := range []string{
			`(?m)^\[1/1\] STEP 2/3: RUN echo hello-progress$`,
			`(?m)^hello-progress$`,
			`(?m)^\[1/1\] STEP 1/3: done in \d+\.\ds$`,
			`(?m)^\[1/1\] STEP 2/3: done in \d+\.\ds$`,
			`(?m)^\[1/1\] STEP 3/3: done in \d+\.\ds$`,
			`(?m)^Build done in \d+\.\ds$`,
		} {
			if !regexp.MustCompile(want).MatchString(r.stderr) {
				t.Errorf("stderr lacks %s:\n%s", want, r)
			}
		}
		again := s.must(t, "bud", ctx) // not a terminal: auto is plain
		wantIDOnly(t, again)
		if !regexp.MustCompile(`(?m)^\[1/1\] STEP 2/3: CACHED, done in \d+\.\ds$`).MatchString(again.stderr) {
			t.Errorf("the rebuild's RUN step does not say CACHED:\n%s", again)
		}
	})
}

// TestProgressQuietPrintsOnlyTheID pins --progress quiet, which is -q, and
// the refusals of a contradicting -q and of tty mode off a terminal.
func TestProgressQuietPrintsOnlyTheID(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := progressContext(t, a)
		r := budProgress(t, s, "quiet", ctx)
		if strings.Contains(r.stderr, "STEP") || strings.Contains(r.stderr, "hello-progress") {
			t.Errorf("--progress quiet printed the build's output:\n%s", r)
		}
		for flags, want := range map[string]string{
			"-q --progress plain": "-q and --progress plain",
			"--progress tty":      "stderr is not a terminal",
			"--progress fancy":    `--progress "fancy"`,
		} {
			r := s.run(t, opts{}, append(append([]string{"bud"}, strings.Fields(flags)...), ctx)...)
			wantOneLineError(t, r, want)
		}
	})
}

// TestProgressRawJSONGolden pins the rawjson events of a build and of its
// cached rebuild and of a failing build with a warning against
// testdata/progress_rawjson.golden, durations and IDs normalised.
func TestProgressRawJSONGolden(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := progressContext(t, a)
		var got strings.Builder
		for _, run := range []string{"first", "cached"} {
			r := budProgress(t, s, "rawjson", "-t", "json-golden", ctx)
			got.WriteString("# " + run + "\n" + normaliseEvents(t, r.stderr))
		}
		// A warning (a CMD that looks like JSON but is not) is an event too.
		failing := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nCMD [\"not-json\nRUN echo last-words; exit 3\n"})
		r := s.run(t, opts{}, "bud", "--progress", "rawjson", failing)
		if r.code == 0 || r.stdout != "" {
			t.Errorf("a failing build succeeded or printed on stdout:\n%s", r)
		}
		errLine := "Error: Dockerfile:3: RUN exited with status 3"
		if !strings.HasSuffix(r.stderr, "\n"+errLine+"\n") {
			t.Errorf("stderr does not end with %q:\n%s", errLine, r)
		}
		got.WriteString("# failing\n" + normaliseEvents(t, strings.TrimSuffix(r.stderr, errLine+"\n")))
		golden := filepath.Join("testdata", "progress_rawjson.golden")
		if *updateGolden {
			must(t, os.WriteFile(golden, []byte(got.String()), 0o644))
		}
		want, err := os.ReadFile(golden)
		must(t, err)
		if got.String() != string(want) {
			t.Errorf("rawjson events differ from %s:\ngot:\n%s\nwant:\n%s", golden, got.String(), want)
		}
	})
}

var (
	hexID    = regexp.MustCompile(`\b[0-9a-f]{12}([0-9a-f]{52})?\b`)
	duration = regexp.MustCompile(`"duration":[0-9.e+-]+`)
)

// normaliseEvents checks that every line of stderr but the isolation line
// is one JSON object and replaces what varies between runs.
func normaliseEvents(t *testing.T, stderr string) string {
	t.Helper()
	var out strings.Builder
	for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if strings.HasPrefix(l, "isolation: ") {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Errorf("stderr line is not a JSON event: %q", l)
			continue
		}
		l = duration.ReplaceAllString(l, `"duration":D`)
		out.WriteString(hexID.ReplaceAllString(l, "ID") + "\n")
	}
	return out.String()
}

// TestProgressTTYCollapsesSteps drives bud through a pseudo-terminal:
// auto picks the live view, finished steps collapse to ✔ lines (CACHED on
// the rebuild), redrawn with ANSI sequences, and stdout is the ID alone.
func TestProgressTTYCollapsesSteps(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := progressContext(t, a)
		first := s.onTerminal(t, "bud", ctx)
		for _, want := range []string{"✔ [1/1] STEP 1/3 FROM busybox AS one ", "✔ [1/1] STEP 2/3 RUN echo hello-progress ",
			"✔ [1/1] STEP 3/3 ENV A=b ", "Build done in ", "\x1b[1A\x1b[J"} {
			if !strings.Contains(first.stderr, want) {
				t.Errorf("the terminal shows no %q:\n%q", want, first.stderr)
			}
		}
		if strings.Contains(first.stderr, "STEP 2/3: RUN") {
			t.Errorf("the terminal shows plain step lines:\n%q", first.stderr)
		}
		again := s.onTerminal(t, "bud", ctx)
		if !strings.Contains(again.stderr, "✔ [1/1] STEP 2/3 CACHED RUN echo hello-progress ") {
			t.Errorf("the rebuild's RUN is not shown CACHED:\n%q", again.stderr)
		}
		failed := s.onTerminal(t, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo last-words; exit 3\n"}))
		if failed.code == 0 || !strings.Contains(failed.stderr, "✘ [1/1] STEP 2/2 RUN echo last-words") ||
			!strings.Contains(failed.stderr, "│ last-words") {
			t.Errorf("a failed RUN is not shown with its output:\n%q", failed.stderr)
		}
	})
}

// onTerminal runs stagebox with stderr on a pseudo-terminal (stdout stays a
// pipe, as in `id=$(stagebox bud .)`); stderr is what the terminal got.
func (s *store) onTerminal(t *testing.T, args ...string) result {
	t.Helper()
	ptmx, tty, err := pty.Open()
	must(t, err)
	defer ptmx.Close()
	must(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 160}))
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := s.a.command(ctx, s.dir, opts{}, s.args(args...)...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	must(t, cmd.Start())
	tty.Close() // the child holds it now: reading ends when it exits
	var screen bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(&screen, ptmx) // ends with EIO once no one holds the terminal
	}()
	err = cmd.Wait()
	<-copied
	r := result{args: args, stdout: stdout.String(), stderr: strings.ReplaceAll(screen.String(), "\r\n", "\n")}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("stagebox %s: %v", shown(args), err)
	}
	checkNoStackTrace(t, r)
	if r.code == 0 {
		wantIDOnly(t, r)
	}
	return r
}

var (
	stepLine  = regexp.MustCompile(`^\[\d+/\d+\] STEP \d+/\d+: `)
	stepEnd   = regexp.MustCompile(`^\[\d+/\d+\] STEP \d+/\d+: (done in|CACHED, done in|failed after) \d+\.\ds$`)
	buildNote = regexp.MustCompile(`^(--> |COMMIT( |$)|OUTPUT |PUSH |Build done in )`)
)

// withoutBuildLog is the lines of a plain-progress stderr that are not the
// build's log: everything from the first step line to the last step's end
// (the steps' output included) and the build's notes go.
func withoutBuildLog(stderr string) []string {
	lines := strings.Split(stderr, "\n")
	first, last := -1, -1
	for i, l := range lines {
		if first < 0 && stepLine.MatchString(l) {
			first = i
		}
		if stepEnd.MatchString(l) {
			last = i
		}
	}
	var out []string
	for i, l := range lines {
		if (first >= 0 && i >= first && i <= last) || stepLine.MatchString(l) || buildNote.MatchString(l) {
			continue
		}
		out = append(out, l)
	}
	return out
}
