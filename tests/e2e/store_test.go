package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/fixtures"
	"github.com/stagebox/stagebox/tests/ocidir"
)

// store is one account's private storage (--root/--runroot) and a scratch
// area the account owns, for build contexts and pushed layouts.
type store struct {
	a      *account
	dir    string
	n      int
	driver string // --storage-driver, when not the default
}

func newStore(t *testing.T, a *account) *store {
	t.Helper()
	s := &store{a: a, dir: mkdirFor(t, a, workDir, "store-"+a.name+"-")}
	t.Cleanup(func() { removeTree(s.dir) })
	return s
}

func (s *store) root() string    { return filepath.Join(s.dir, "root") }
func (s *store) runroot() string { return filepath.Join(s.dir, "runroot") }

// args prefixes args with the global flags that select this store.
func (s *store) args(args ...string) []string {
	global := []string{"--root", s.root(), "--runroot", s.runroot()}
	if s.driver != "" {
		global = append(global, "--storage-driver", s.driver)
	}
	return append(global, args...)
}

// run runs stagebox on this store, in the store's directory.
func (s *store) run(t *testing.T, o opts, args ...string) result {
	t.Helper()
	return s.a.run(t, s.dir, o, s.args(args...)...)
}

// must runs stagebox and fails the test unless it succeeds.
func (s *store) must(t *testing.T, args ...string) result {
	t.Helper()
	r := s.run(t, opts{}, args...)
	if r.code != 0 {
		t.Fatalf("failed:\n%s", r)
	}
	return r
}

// scratch is a new directory the account owns, inside the store's area.
func (s *store) scratch(t *testing.T, prefix string) string {
	t.Helper()
	s.n++
	return mkdirFor(t, s.a, s.dir, fmt.Sprintf("%s%d-", prefix, s.n))
}

// busybox pulls the busybox fixture and names it "busybox", the base most
// scenarios build on; it returns the image ID.
func (s *store) busybox(t *testing.T) string {
	t.Helper()
	id := s.must(t, "pull", "oci:"+busyboxLayout+":"+fixtures.Tag).id(t)
	s.must(t, "tag", id, "busybox")
	return id
}

// context writes a build context the account owns. A name ending in "/" is
// a directory; anything else a 0644 file with the given content.
func (s *store) context(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := s.scratch(t, "ctx")
	writeTree(t, dir, files)
	chownTree(t, s.a, dir)
	return dir
}

// build writes dockerfile and files as a context, runs `bud` with args and
// the context, and returns the image ID it printed last.
func (s *store) build(t *testing.T, dockerfile string, files map[string]string, args ...string) string {
	t.Helper()
	r := s.bud(t, opts{}, dockerfile, files, args...)
	if r.code != 0 {
		t.Fatalf("build failed:\n%s\nDockerfile:\n%s", r, numbered(dockerfile))
	}
	return r.id(t)
}

// bud is build without judging the outcome.
func (s *store) bud(t *testing.T, o opts, dockerfile string, files map[string]string, args ...string) result {
	t.Helper()
	all := map[string]string{"Dockerfile": dockerfile}
	for k, v := range files {
		all[k] = v
	}
	ctx := s.context(t, all)
	return s.run(t, o, append(append([]string{"bud"}, args...), ctx)...)
}

// image pushes ref to a fresh OCI layout and reads it back, verified.
func (s *store) image(t *testing.T, ref string) *ocidir.Image {
	t.Helper()
	dir := filepath.Join(s.scratch(t, "oci"), "layout")
	s.must(t, "push", ref, "oci:"+dir+":img")
	img, err := ocidir.Read(dir, "img")
	if err != nil {
		t.Fatalf("reading back the pushed image: %v", err)
	}
	return img
}

// images is what `stagebox images` prints.
func (s *store) images(t *testing.T) string {
	t.Helper()
	return s.must(t, "images").stdout
}

func numbered(text string) string {
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(&b, "%3d  %s\n", i+1, l)
	}
	return b.String()
}

// mkdirFor makes a 0755 directory under parent owned by a.
func mkdirFor(t *testing.T, a *account, parent, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if a.viaRunuser {
		if err := os.Chown(dir, a.uid, a.gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// chownTree gives the account what the suite wrote for it, so a rootless
// build reads its own files, as a real user's would be.
func chownTree(t *testing.T, a *account, dir string) {
	t.Helper()
	if !a.viaRunuser {
		return
	}
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, a.uid, a.gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// removeTree removes a test directory. A rootless store holds files owned
// by the user's subordinate ids, which only a user namespace with the same
// mapping may delete when the suite is not root.
func removeTree(dir string) {
	if os.Getenv("STAGEBOX_E2E_KEEP") != "" {
		return
	}
	if os.RemoveAll(dir) == nil || os.Geteuid() == 0 {
		return
	}
	if out, err := exec.Command("unshare", "--map-root-user", "--map-auto", "rm", "-rf", dir).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: could not remove %s: %v %s\n", dir, err, out)
	}
}
