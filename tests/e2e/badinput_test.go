package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// TestBadInputFailsOnOneLine feeds bud what a careless or hostile user
// would: every case must exit non-zero with one clear line on stderr,
// naming file:line where there is one, and never a Go stack trace (the
// harness fails any output with one).
func TestBadInputFailsOnOneLine(t *testing.T) {
	cases := []struct {
		name       string
		dockerfile string
		args       []string
		want       []string
	}{
		{name: "empty Dockerfile", dockerfile: "", want: []string{"Dockerfile", "no instructions"}},
		{name: "only comments", dockerfile: "# nothing\n\n", want: []string{"Dockerfile", "no instructions"}},
		{name: "binary garbage", dockerfile: "\x7fELF\x02\x01\x01\xff\xfe\x1b[31mred\x07\n", want: []string{"Dockerfile:1", "unknown instruction"}},
		{name: "NUL bytes", dockerfile: "FROM busybox\n\x00\x01\x02\n", want: []string{"Dockerfile", "NUL"}},
		{name: "a 1 MiB line", dockerfile: "FROM busybox\nRUN echo " + strings.Repeat("A", 1<<20) + "\n", want: []string{"Dockerfile:2", "longer than"}},
		{name: "a 60 KiB unknown instruction", dockerfile: "FROM busybox\n" + strings.Repeat("X", 60<<10) + "\n", want: []string{"Dockerfile:2", "unknown instruction"}},
		{name: "no FROM", dockerfile: "ARG A=1\nRUN true\n", want: []string{"Dockerfile:2"}},
		{name: "unterminated heredoc", dockerfile: "FROM busybox\nRUN <<EOF\necho hi\n", want: []string{"Dockerfile:2", "heredoc"}},
		// Shell form, as in docker (a warning: line says so): sh fails on it.
		{name: "bad JSON in exec form", dockerfile: "FROM busybox\nRUN [\"echo\", \n", want: []string{"Dockerfile:2", "status"}},
		{name: "non-string JSON in exec form", dockerfile: "FROM busybox\nENTRYPOINT [\"echo\", {}]\n", want: []string{"Dockerfile:2", "JSON"}},
		{name: "cycle through --from", dockerfile: "FROM busybox AS a\nCOPY --from=b /x /y\nFROM busybox AS b\nCOPY --from=a /x /y\n", want: []string{"Dockerfile:2", "circular"}},
		{name: "FROM cycle", dockerfile: "FROM b AS a\nFROM a AS b\n", args: []string{"--pull=never"}, want: []string{"Dockerfile:1", "circular"}},
		{name: "unknown stage in --from", dockerfile: "FROM busybox\nCOPY --from=nowhere /x /y\n", args: []string{"--pull=never"}, want: []string{"Dockerfile:2", "nowhere"}},
		{name: "nonexistent base, --pull=never", dockerfile: "FROM busybox\nFROM no/such:image\n", args: []string{"--pull=never"}, want: []string{"Dockerfile:2", "no/such:image"}},
		{name: "--build-arg without a key", dockerfile: "FROM busybox\n", args: []string{"--build-arg", "=x"}, want: []string{"--build-arg"}},
		{name: "--build-arg key with a space", dockerfile: "FROM busybox\n", args: []string{"--build-arg", "A B=1"}, want: []string{"--build-arg"}},
		{name: "--chown with three parts", dockerfile: "FROM busybox\nCOPY --chown=1:2:3 Dockerfile /x\n", want: []string{"Dockerfile:2", "user[:group]"}},
		{name: "--chown naming nobody known", dockerfile: "FROM busybox\nCOPY --chown=ghost Dockerfile /x\n", want: []string{"Dockerfile:2", "ghost"}},
		{name: "--chown negative", dockerfile: "FROM busybox\nCOPY --chown=-5 Dockerfile /x\n", want: []string{"Dockerfile:2", "range"}},
		{name: "--chown too large", dockerfile: "FROM busybox\nCOPY --chown=99999999999 Dockerfile /x\n", want: []string{"Dockerfile:2", "range"}},
		{name: "--chmod not octal", dockerfile: "FROM busybox\nCOPY --chmod=999 Dockerfile /x\n", want: []string{"Dockerfile:2", "--chmod"}},
		{name: "--chmod symbolic", dockerfile: "FROM busybox\nCOPY --chmod=u+x Dockerfile /x\n", want: []string{"Dockerfile:2", "--chmod"}},
		{name: "terminal escapes in a source name", dockerfile: "FROM busybox\nCOPY \x1b]0;owned\x07\x1bc /x\n", want: []string{"Dockerfile:2", "no such file"}},
		{name: "USER with three parts", dockerfile: "FROM busybox\nUSER 1:2:3\nRUN true\n", want: []string{"Dockerfile:3", "user[:group]"}},
	}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.bud(t, opts{}, c.dockerfile, nil, c.args...)
				wantOneLineError(t, r, c.want...)
				if line := strings.Join(stderrLines(r), ""); !utf8.ValidString(line) || strings.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f }) {
					t.Errorf("stderr carries control characters or invalid UTF-8 to the terminal: %q", r.stderr)
				}
			})
		}
	})
}

// TestBadContextsFailOnOneLine: the context argument is a file, missing,
// unreadable, or its Dockerfile is a fifo or endless.
func TestBadContextsFailOnOneLine(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		dir := s.scratch(t, "bad")
		file := filepath.Join(dir, "file")
		must(t, os.WriteFile(file, []byte("FROM busybox\n"), 0o644))
		wantOneLineError(t, s.run(t, opts{}, "bud", file), "not a directory")
		wantOneLineError(t, s.run(t, opts{}, "bud", filepath.Join(dir, "missing")), "no such file")

		fifo := s.context(t, nil)
		must(t, syscall.Mkfifo(filepath.Join(fifo, "Dockerfile"), 0o644))
		chownTree(t, a, fifo)
		wantOneLineError(t, s.run(t, opts{}, "bud", fifo), "not a regular file")
		wantOneLineError(t, s.run(t, opts{}, "bud", "-f", "/dev/zero", fifo), "larger than")

		// Root reads any directory, and a user's own files are readable in
		// its user namespace whatever their mode: an unreadable context is
		// another user's, here root's private one met by the rootless user.
		if !a.viaRunuser {
			return
		}
		private, err := os.MkdirTemp(workDir, "private-")
		must(t, err)
		defer os.RemoveAll(private)
		must(t, os.WriteFile(filepath.Join(private, "Dockerfile"), []byte("FROM busybox\n"), 0o644))
		wantOneLineError(t, s.run(t, opts{}, "bud", private), "permission denied")
	})
}

// TestTenThousandInstructionsBuildInBoundedTime: Dockerfile size is the
// attacker's to choose; the work per instruction must not grow with the
// Dockerfile (ENV expansion once rebuilt the whole environment per word).
func TestTenThousandInstructionsBuildInBoundedTime(t *testing.T) {
	var b strings.Builder
	b.WriteString("FROM busybox\n")
	kinds := []string{"ENV E%[1]d=$E%[2]d", "LABEL l%[1]d=v%[1]d", "ARG A%[1]d=$E%[2]d", "EXPOSE %[3]d", "ENV F%[1]d=x"}
	for i := range 10000 {
		fmt.Fprintf(&b, kinds[i%len(kinds)]+"\n", i, max(i-5, 0), 1000+i%5000)
	}
	b.WriteString("RUN test \"$E9995\" = \"\" && env | grep -c '^[EF][0-9]' > /n\n")
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		start := time.Now()
		fs := s.image(t, s.build(t, b.String(), nil)).Files()
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("10,000 instructions took %s", took)
		}
		wantFile(t, fs, "/n", "4000\n")
	})
}
