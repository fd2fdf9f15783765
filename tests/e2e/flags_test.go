package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBudFlags covers the bud flags no other test needs: -f in its forms,
// --jobs, and the flags that must fail loudly if they are not implemented.
func TestBudFlags(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{
			"build/Other.dockerfile": "FROM busybox\nRUN echo other > /which\n",
			"data":                   "data\n",
		})

		t.Run("-f a Dockerfile elsewhere in the context", func(t *testing.T) {
			id := s.must(t, "bud", "-f", filepath.Join(ctx, "build", "Other.dockerfile"), ctx).id(t)
			wantFile(t, s.image(t, id).Files(), "/which", "other\n")
		})
		t.Run("-f - reads the Dockerfile from stdin", func(t *testing.T) {
			r := s.run(t, opts{stdin: "FROM busybox\nCOPY data /data\n"}, "bud", "-f", "-", ctx)
			if r.code != 0 {
				t.Fatalf("failed:\n%s", r)
			}
			wantFile(t, s.image(t, r.id(t)).Files(), "/data", "data\n")
		})
		t.Run("--jobs 1 builds independent stages one at a time", func(t *testing.T) {
			r := s.run(t, opts{stdin: "FROM busybox AS a\nRUN echo a > /a\nFROM busybox AS b\nRUN echo b > /b\n" +
				"FROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n"}, "bud", "--jobs", "1", "-f", "-", ctx)
			if r.code != 0 {
				t.Fatalf("failed:\n%s", r)
			}
			fs := s.image(t, r.id(t)).Files()
			wantFile(t, fs, "/a", "a\n")
			wantFile(t, fs, "/b", "b\n")
		})
		t.Run("--format docker is implemented or refused, never ignored", func(t *testing.T) {
			r := s.run(t, opts{stdin: "FROM busybox\n"}, "bud", "--format", "docker", "-f", "-", ctx)
			if r.code != 0 {
				wantRefusal(t, r, "format")
				return
			}
			dir := filepath.Join(s.scratch(t, "dir"), "img")
			s.must(t, "push", r.id(t), "dir:"+dir)
			var m struct{ MediaType string }
			data, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
			if json.Unmarshal(data, &m); m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" {
				t.Errorf("--format docker committed a %q manifest", m.MediaType)
			}
		})
		t.Run("--timestamp is implemented or refused, never ignored", func(t *testing.T) {
			r := s.run(t, opts{stdin: "FROM busybox\nRUN true\n"}, "bud", "--timestamp", "0", "-f", "-", ctx)
			if r.code != 0 {
				wantRefusal(t, r, "timestamp")
				return
			}
			if c := s.image(t, r.id(t)).Config.Created; c == nil || !c.Equal(time.Unix(0, 0)) {
				t.Errorf("--timestamp 0 gave created %v", c)
			}
		})
		t.Run("an unknown --pull policy is refused", func(t *testing.T) {
			r := s.run(t, opts{stdin: "FROM busybox\n"}, "bud", "--pull", "sometimes", "-f", "-", ctx)
			wantOneLineError(t, r, "sometimes")
		})
	})
}

// wantRefusal asserts that a flag was refused with a message naming it.
// Usage text may follow, so unlike a build error it need not be one line.
func wantRefusal(t *testing.T, r result, flag string) {
	t.Helper()
	if r.code == 0 || !strings.Contains(r.stderr, flag) {
		t.Errorf("want a failure naming %q:\n%s", flag, r)
	}
}
