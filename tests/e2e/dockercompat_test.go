package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestDockerCompat pins the places where stagebox once differed from
// docker/BuildKit on a Dockerfile docker builds (issue 12, item 13).
func TestDockerCompat(t *testing.T) {
	runScenarios(t, []scenario{{
		name:       "--chown with a numeric uid alone gives gid = uid",
		dockerfile: "FROM busybox\nCOPY --chown=4321 a.txt /x\nCOPY --chown=1000 a.txt /y\n",
		files:      map[string]string{"a.txt": "a\n"},
		check: func(t *testing.T, b built) {
			wantOwner(t, b.files, "/x", 4321, 4321)
			wantOwner(t, b.files, "/y", 1000, 1000) // even where passwd knows the uid
		},
	}, {
		name:       "a wildcard matching nothing is skipped beside a source that exists",
		dockerfile: "FROM busybox\nCOPY nomatch* a.txt /dst/\n",
		files:      map[string]string{"a.txt": "a\n"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/dst/a.txt", "a\n")
		},
	}, {
		name:       "a source above the context is the context's own file",
		dockerfile: "FROM busybox\nCOPY ../outside.txt /x\nCOPY sub/../../../outside.txt /y\n",
		files:      map[string]string{"outside.txt": "in the context\n", "sub/f": "f"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/x", "in the context\n")
			wantFile(t, b.files, "/y", "in the context\n")
		},
	}, {
		name:       "invalid JSON is shell form, for RUN, CMD and ENTRYPOINT",
		dockerfile: "FROM busybox\nRUN [\"echo\", 'x'] > /ran || echo shell > /ran\nCMD [\"echo\", 'x']\n",
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/ran", "shell\n")
			wantStrings(t, "Cmd", b.img.Config.Config.Cmd, []string{"/bin/sh", "-c", `["echo", 'x']`})
		},
	}, {
		name:       "FROM scratch has docker's default PATH and WorkingDir",
		dockerfile: "FROM scratch\nCOPY a.txt /\n",
		files:      map[string]string{"a.txt": "a\n"},
		check: func(t *testing.T, b built) {
			c := b.img.Config.Config
			if c.WorkingDir != "/" {
				t.Errorf("WorkingDir = %q, want /", c.WorkingDir)
			}
			if !slices.Contains(c.Env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") {
				t.Errorf("Env = %q, want docker's default PATH", c.Env)
			}
		},
	}, {
		name:       "ENV in a scratch stage expands the default PATH",
		dockerfile: "FROM scratch\nENV PATH=/opt/bin:$PATH\nCOPY a.txt /\n",
		files:      map[string]string{"a.txt": "a\n"},
		check: func(t *testing.T, b built) {
			want := "PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
			if c := b.img.Config.Config; !slices.Equal(c.Env, []string{want}) {
				t.Errorf("Env = %q, want [%s]", c.Env, want)
			}
		},
	}}, nil)
}

// TestDockerCompatMessages pins the one-line notices and errors of the
// same Dockerfiles.
func TestDockerCompatMessages(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		t.Run("a clamped source says so in one notice line", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nCOPY ../outside.txt /x\n", map[string]string{"outside.txt": "o"})
			if r.code != 0 {
				t.Fatalf("build failed:\n%s", r)
			}
			wantLines(t, r.stderr, "above the build context", 1, "Dockerfile:2", `"outside.txt"`)
		})
		t.Run("invalid JSON warns once per line, in BuildKit's words", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nCMD [\"echo\", 'x']\nENTRYPOINT [\"a\",\n", nil)
			if r.code != 0 {
				t.Fatalf("build failed:\n%s", r)
			}
			wantLines(t, r.stderr, "JSON arguments recommended", 2, "Dockerfile:")
		})
		t.Run("wildcards matching nothing at all fail", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nCOPY nomatch* none? /dst/\n", nil)
			wantOneLineError(t, r, "Dockerfile:2", "nomatch*", "no such file")
		})
		t.Run("one 1 MiB line names its length and the limit", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nRUN echo "+strings.Repeat("x", 1<<20)+"\n", nil)
			wantOneLineError(t, r, "Dockerfile:2", "1048585 bytes", "65535")
		})
		t.Run("a Dockerfile of a single 1 MiB line is not called empty", func(t *testing.T) {
			r := s.bud(t, opts{}, strings.Repeat("y", 1<<20), nil)
			wantOneLineError(t, r, "Dockerfile:1", "1048576 bytes", "65535")
		})
	})
}

// wantLines asserts that exactly n lines of text contain marker, each
// holding every one of also.
func wantLines(t *testing.T, text, marker string, n int, also ...string) {
	t.Helper()
	var got []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, marker) {
			got = append(got, l)
		}
	}
	if len(got) != n {
		t.Fatalf("%d lines say %q, want %d:\n%s", len(got), marker, n, text)
	}
	for _, l := range got {
		for _, w := range also {
			if !strings.Contains(l, w) {
				t.Errorf("line %q lacks %q", l, w)
			}
		}
	}
}
