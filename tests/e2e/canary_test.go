package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// canary is a host directory that hostile builds try to read or write.
// Everything in it is world-readable and world-writable, so only
// stagebox's containment, never file permissions, can keep a build (root
// or rootless) out of it. Its files hold a random token that must never
// show up in an image or in stagebox's output.
type canary struct {
	dir    string
	token  string
	before map[string]string
}

func newCanary(t *testing.T) *canary {
	t.Helper()
	dir, err := os.MkdirTemp(workDir, "canary-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(dir) })
	b := make([]byte, 8)
	rand.Read(b)
	c := &canary{dir: dir, token: "CANARY-" + hex.EncodeToString(b)}
	for name, content := range map[string]string{
		"secret":     c.token + "\n",
		"Dockerfile": "FROM busybox\nRUN-" + c.token + " x\n",
		"ignore":     "*\n" + c.token + "\n",
		"sub/file":   c.token + "\n",
	} {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o777))
		must(t, os.WriteFile(p, []byte(content), 0o666))
		must(t, os.Chmod(p, 0o666))
	}
	must(t, os.Chmod(dir, 0o777))
	must(t, os.Chmod(filepath.Join(dir, "sub"), 0o777))
	c.before = c.snapshot(t)
	return c
}

// path is name inside the canary directory, as an absolute host path.
func (c *canary) path(name string) string { return filepath.Join(c.dir, name) }

// snapshot maps every path under the canary to its mode, size and content.
func (c *canary) snapshot(t *testing.T) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		v := info.Mode().String()
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			v += fmt.Sprintf(" links=%d", st.Nlink) // a hard link made to it
		}
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(data)
		}
		snap[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// unchanged fails the test if anything under the canary was created,
// removed or modified.
func (c *canary) unchanged(t *testing.T) {
	t.Helper()
	after := c.snapshot(t)
	for p, v := range after {
		if c.before[p] != v {
			t.Errorf("a build wrote to the host: %s is now %q (was %q)", p, v, c.before[p])
		}
	}
	for p := range c.before {
		if _, ok := after[p]; !ok {
			t.Errorf("a build removed %s from the host", p)
		}
	}
}

// notIn fails the test if the canary's token shows up in text.
func (c *canary) notIn(t *testing.T, what, text string) {
	t.Helper()
	if strings.Contains(text, c.token) {
		t.Errorf("host file content leaked into %s:\n%s", what, text)
	}
}

// notInImage fails the test if any file of the image holds the token.
func (c *canary) notInImage(t *testing.T, files ocidir.Files) {
	t.Helper()
	for name, e := range files {
		if strings.Contains(string(e.Data), c.token) {
			t.Errorf("host file content leaked into the image at /%s", name)
		}
	}
}

// contextWithLinks is s.context plus symlinks (name -> target), owned by
// the account like the rest.
func (s *store) contextWithLinks(t *testing.T, files, links map[string]string) string {
	t.Helper()
	dir := s.context(t, files)
	for name, target := range links {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.Symlink(target, p))
	}
	chownTree(t, s.a, dir)
	return dir
}

// wantFailure asserts a failed build reported on one line containing each
// of want, and that the canary's token is nowhere in its output.
func (c *canary) wantFailure(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.code == 0 {
		t.Errorf("the build succeeded, want it refused:\n%s", r)
		return
	}
	wantOneLineError(t, r, want...)
	c.notIn(t, "stagebox's output", r.stdout+r.stderr)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
