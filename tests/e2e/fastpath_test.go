package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cachedMark is the debug line bud logs when a build ran no step and so
// committed before the binary was sealed for RUN steps (issue 11).
const cachedMark = "fully cached build: no step ran"

// TestFullyCachedRebuildRunsNothing: a rebuild of an unchanged Dockerfile
// is answered from the cache alone: same image ID, no new image or layer,
// the image's metadata not rewritten, and no sealed copy of the binary
// (the debug line says so). A changed step builds as before, its output
// printed once (the discarded cache-only attempt prints nothing).
func TestFullyCachedRebuildRunsNothing(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		df := "FROM busybox\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt /one > /both\nCMD [\"sh\"]\n"
		ctx := s.context(t, map[string]string{"Dockerfile": df, "a.txt": "a\n"})
		first := s.must(t, "--log-level", "debug", "bud", "-t", "app", ctx)
		if strings.Contains(first.stderr, cachedMark) {
			t.Fatalf("the first build was taken as fully cached:\n%s", first)
		}
		id := first.id(t)
		images, layers := storeCounts(t, s)
		meta := mtime(t, filepath.Join(s.root(), "overlay-images", "images.json"))

		again := s.must(t, "--log-level", "debug", "bud", "-t", "app", ctx)
		if got := again.id(t); got != id {
			t.Errorf("fully cached rebuild gave image %s, want %s", got, id)
		}
		if !strings.Contains(again.stderr, cachedMark) {
			t.Errorf("the rebuild of an unchanged Dockerfile ran as a build with steps:\n%s", again)
		}
		wantOnce(t, "\n"+again.stderr, "\nisolation: ")
		wantOnce(t, again.stderr, "STEP 4/5: RUN cat /a.txt /one > /both")
		if n := strings.Count(again.stderr, "CACHED"); n != 3 {
			t.Errorf("the cached rebuild reports %d cached steps, want 3:\n%s", n, again.stderr)
		}
		if i, l := storeCounts(t, s); i != images || l != layers {
			t.Errorf("after a fully cached rebuild the store has %d images and %d layers, want %d and %d", i, l, images, l)
		}
		if m := mtime(t, filepath.Join(s.root(), "overlay-images", "images.json")); !m.Equal(meta) {
			t.Errorf("a fully cached rebuild rewrote the image metadata (images.json modified at %v, was %v)", m, meta)
		}

		// -q: the ID alone on stdout, still without running anything; the
		// build's warnings said once.
		quiet := s.must(t, "--log-level", "debug", "bud", "-q", "--build-arg", "UNUSED=1", "-t", "app", ctx)
		if strings.TrimSpace(quiet.stdout) != id || !strings.Contains(quiet.stderr, cachedMark) {
			t.Errorf("bud -q of a cached build: stdout %q, want the ID alone, from the cache:\n%s", quiet.stdout, quiet)
		}
		wantOnce(t, quiet.stderr, "was not consumed by any ARG")
		plain := s.must(t, "bud", "--build-arg", "UNUSED=1", "-t", "app", ctx)
		wantOnce(t, plain.stderr, `build argument "UNUSED" was not consumed by any ARG`)

		// One changed file: the COPY and the RUN after it run; every line once.
		writeTree(t, ctx, map[string]string{"a.txt": "b\n"})
		changed := s.must(t, "--log-level", "debug", "bud", "-t", "app", ctx)
		if strings.Contains(changed.stderr, cachedMark) || changed.id(t) == id {
			t.Fatalf("a changed context was taken as fully cached:\n%s", changed)
		}
		wantOnce(t, "\n"+changed.stderr, "\nisolation: ")
		wantOnce(t, changed.stderr, "STEP 2/5: RUN echo one > /one")
		wantFile(t, s.image(t, changed.id(t)).Files(), "/both", "b\none\n")
	})
}

// TestCachedRebuildWithRunOnlyAfterMiss: a Dockerfile whose only RUN
// comes after a cache miss builds completely (the cache-only attempt stops
// at the miss and leaves nothing behind), and its rebuild is cached.
func TestCachedRebuildWithRunOnlyAfterMiss(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo one > /one\n"})
		s.must(t, "bud", "-t", "app", ctx)
		writeTree(t, ctx, map[string]string{"Dockerfile": "FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n"})
		r := s.must(t, "--log-level", "debug", "bud", "-t", "app", ctx)
		wantFile(t, s.image(t, r.id(t)).Files(), "/two", "two\n")
		if strings.Contains(r.stderr, cachedMark) {
			t.Errorf("a build with a new RUN was taken as fully cached:\n%s", r)
		}
		if r2 := s.must(t, "--log-level", "debug", "bud", "-t", "app", ctx); !strings.Contains(r2.stderr, cachedMark) || r2.id(t) != r.id(t) {
			t.Errorf("its rebuild was not fully cached:\n%s", r2)
		}
	})
}

// TestIsolationDecisionIsKept: the tier probes run once; later commands
// take their decision from the run root while nothing they look at
// changed (here: TMPDIR, whose filesystem and permissions they check), and
// `info` always probes.
func TestIsolationDecisionIsKept(t *testing.T) {
	const kept = "the tier probes' decision kept in"
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		if r := s.must(t, "--log-level", "debug", "images"); strings.Contains(r.stderr, kept) {
			t.Fatalf("the first command found a decision kept:\n%s", r)
		}
		if r := s.must(t, "--log-level", "debug", "images"); !strings.Contains(r.stderr, kept) {
			t.Errorf("the second command probed again:\n%s", r)
		}
		if r := s.must(t, "--log-level", "debug", "info"); strings.Contains(r.stderr, kept) {
			t.Errorf("info used a kept decision:\n%s", r)
		}
		tmp := s.scratch(t, "tmp")
		if err := os.Chmod(tmp, 0o700); err != nil {
			t.Fatal(err)
		}
		if r := s.run(t, opts{env: []string{"TMPDIR=" + tmp}}, "--log-level", "debug", "images"); r.code != 0 || strings.Contains(r.stderr, kept) {
			t.Errorf("with another TMPDIR the kept decision was used:\n%s", r)
		}
	})
}

func wantOnce(t *testing.T, out, s string) {
	t.Helper()
	if n := strings.Count(out, s); n != 1 {
		t.Errorf("%q printed %d times, want once:\n%s", s, n, out)
	}
}

// storeCounts counts the store's images and layers from its metadata.
func storeCounts(t *testing.T, s *store) (images, layers int) {
	t.Helper()
	count := func(path string) int {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			t.Fatal(err)
		}
		return len(items)
	}
	return count(filepath.Join(s.root(), "overlay-images", "images.json")), count(filepath.Join(s.root(), "overlay-layers", "layers.json"))
}

func mtime(t *testing.T, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// TestPushPullAsRootStartOnce: push and pull as root run as one process in
// the caller's mount namespace (no second start in a private one: they
// mount nothing), and leave no mount behind. Seen from a proxy that
// answers their first registry request only after looking at them.
func TestPushPullAsRootStartOnce(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	s := newStore(t, &account{name: "root"})
	s.busybox(t)
	self, err := os.Readlink("/proc/self/ns/mnt")
	must(t, err)
	var (
		mu     sync.Mutex
		seen   []string
		looked bool
	)
	p := startProxy(t, nil, func(*http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		if !looked { // the first request: the command is at work
			seen, looked = processesOf(t, s.root(), self), true
		}
		return http.StatusNotFound
	})
	for _, args := range [][]string{
		{"push", "--tls-verify=false", "busybox", "docker://" + p.Host + "/x:1"},
		{"pull", "--tls-verify=false", "docker://" + p.Host + "/x:1"},
	} {
		mu.Lock()
		seen, looked = nil, false
		mu.Unlock()
		if r := s.run(t, opts{}, args...); r.code == 0 {
			t.Fatalf("%s against a registry that answers 404 succeeded:\n%s", args[0], r)
		}
		mu.Lock()
		got := seen
		mu.Unlock()
		if len(got) != 1 || got[0] != "host mount namespace" {
			t.Errorf("%s: stagebox processes at its first request: %q, want one, in the host's mount namespace", args[0], got)
		}
	}
	if b, err := os.ReadFile("/proc/self/mountinfo"); err != nil || strings.Contains(string(b), s.root()) {
		t.Errorf("a mount of the store is left in the host's mount namespace (%v)", err)
	}
}

// processesOf describes each process whose command line names root: "host
// mount namespace" when it shares self's, else its namespace.
func processesOf(t *testing.T, root, self string) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*")
	must(t, err)
	var out []string
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(cmd), root) {
			continue
		}
		ns, _ := os.Readlink(filepath.Join(d, "ns", "mnt"))
		if ns == self {
			ns = "host mount namespace"
		}
		out = append(out, ns)
	}
	return out
}
