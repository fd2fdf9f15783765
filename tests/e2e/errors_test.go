package e2e

import (
	"runtime"
	"strings"
	"testing"
)

// TestBuildErrors pins that each way a build fails exits non-zero with one
// line on stderr naming the Dockerfile line and the cause.
func TestBuildErrors(t *testing.T) {
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	cases := []struct {
		name       string
		dockerfile string
		args       []string
		want       []string // all in the one stderr line
	}{{
		name:       "unknown instruction",
		dockerfile: "FROM busybox\nFROBNICATE the widgets\n",
		want:       []string{"Dockerfile:2", "unknown instruction", "FROBNICATE"},
	}, {
		name:       "missing COPY source",
		dockerfile: "FROM busybox\nRUN true\nCOPY missing.txt /x\n",
		want:       []string{"Dockerfile:3", "missing.txt", "no such file"},
	}, {
		name:       "COPY --from an unknown stage",
		dockerfile: "FROM busybox AS real\nFROM busybox\nCOPY --from=nosuchstage /x /y\n",
		args:       []string{"--pull=never"},
		want:       []string{"Dockerfile:3", "nosuchstage"},
	}, {
		name:       "RUN exit status",
		dockerfile: "FROM busybox\nRUN true\nRUN exit 3\nRUN echo never reached\n",
		want:       []string{"Dockerfile:3", "status 3"},
	}, {
		// BuildKit reads `CMD ["a",` as shell form; a JSON array of
		// non-strings is what it rejects.
		name:       "exec form of non-strings",
		dockerfile: "FROM busybox\nCMD [\"echo\", 1]\n",
		want:       []string{"Dockerfile:2", "string"},
	}, {
		name:       "base image not found with --pull=never",
		dockerfile: "FROM busybox\nRUN true\nFROM nosuchimage:1.0\n",
		args:       []string{"--pull=never"},
		want:       []string{"Dockerfile:3", "nosuchimage"},
	}, {
		name:       "FROM --platform other than the host's",
		dockerfile: "FROM --platform=linux/" + other + " busybox\n",
		want:       []string{"Dockerfile:1", "platform"},
	}, {
		name:       "unknown instruction flag",
		dockerfile: "FROM busybox\nCOPY --frobnicate=1 Dockerfile /x\n",
		want:       []string{"Dockerfile:2", "frobnicate"},
	}, {
		name:       "ADD of a URL that cannot be fetched",
		dockerfile: "FROM busybox\nADD http://127.0.0.1:9/file /file\n",
		want:       []string{"Dockerfile:2", "127.0.0.1:9"},
	}, {
		name:       "--target naming no stage",
		dockerfile: "FROM busybox AS one\nRUN true\n",
		args:       []string{"--target", "two"},
		want:       []string{"two"},
	}}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.bud(t, opts{}, c.dockerfile, nil, c.args...)
				if r.code == 0 {
					t.Fatalf("the build succeeded:\n%s", r)
				}
				wantOneLineError(t, r, c.want...)
			})
		}
	})
}

// wantOneLineError asserts a failure reported as exactly one line on stderr
// containing each of want (case-insensitively). warning lines (notices that
// precede a failure, such as a clamped COPY source) are not the error.
func wantOneLineError(t *testing.T, r result, want ...string) {
	t.Helper()
	var lines []string
	for _, l := range stderrLines(r) {
		if !strings.HasPrefix(l, "warning: ") {
			lines = append(lines, l)
		}
	}
	if r.code == 0 {
		t.Errorf("exit status 0, want a failure")
	}
	if len(lines) != 1 {
		t.Errorf("stderr has %d lines, want one:\n%s", len(lines), r)
		return
	}
	for _, w := range want {
		if !strings.Contains(strings.ToLower(lines[0]), strings.ToLower(w)) {
			t.Errorf("error %q does not mention %q", lines[0], w)
		}
	}
}
