package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// randomDockerfile's RUN writes fresh random bytes each time it really runs,
// so its output tells a cache hit from a re-run.
const randomDockerfile = "FROM busybox\nARG V=1\nCOPY input /input\nRUN head -c 16 /dev/urandom | od -x > /rand && echo $V > /v\n"

func TestStepCache(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": randomDockerfile, "input": "one\n"})
		build := func(t *testing.T, args ...string) ocidir.Files {
			t.Helper()
			id := s.must(t, append(append([]string{"bud"}, args...), ctx)...).id(t)
			return s.image(t, id).Files()
		}
		rand := func(fs ocidir.Files) string { e, _ := fs.Get("/rand"); return string(e.Data) }

		first := build(t)
		t.Run("an unchanged rebuild reuses the RUN's layer", func(t *testing.T) {
			if got := build(t, "--layers"); rand(got) != rand(first) {
				t.Errorf("the RUN ran again: /rand changed from %q to %q", rand(first), rand(got))
			}
		})
		t.Run("--no-cache runs it again", func(t *testing.T) {
			if got := build(t, "--no-cache"); rand(got) == rand(first) {
				t.Errorf("/rand unchanged with --no-cache")
			}
		})
		t.Run("a different build-arg value misses", func(t *testing.T) {
			got := build(t, "--build-arg", "V=2")
			wantFile(t, got, "/v", "2\n")
		})
		t.Run("changed COPY content misses", func(t *testing.T) {
			writeTree(t, ctx, map[string]string{"input": "two\n"})
			chownTree(t, s.a, ctx)
			got := build(t)
			wantFile(t, got, "/input", "two\n")
			if rand(got) == rand(first) {
				t.Errorf("the RUN after a changed COPY was taken from the cache")
			}
		})
	})
}

// TestPruneRemovesCacheNoImageUses: after rmi, prune leaves only the layers
// images still use, and the next build runs its steps again.
func TestPruneRemovesCacheNoImageUses(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		base := storeLayers(t, s)
		ctx := s.context(t, map[string]string{"Dockerfile": randomDockerfile, "input": "one\n"})
		first := s.must(t, "bud", "-t", "cached", ctx).id(t)
		rand := func(id string) string { e, _ := s.image(t, id).Files().Get("/rand"); return string(e.Data) }
		before := rand(first)
		s.must(t, "rmi", "cached")
		s.must(t, "prune")
		if after := storeLayers(t, s); !slices.Equal(after, base) {
			t.Errorf("after prune the store has layers %q, want only busybox's %q", after, base)
		}
		if again := s.must(t, "bud", ctx).id(t); rand(again) == before {
			t.Errorf("the RUN was served from a cache prune should have emptied")
		}
	})
}

// scopeDockerfile has a stage that copies the context, an independent
// stage, and a final stage reading both; each RUN records fresh random bytes.
const scopeDockerfile = `FROM busybox AS fromctx
COPY input /input
RUN head -c 16 /dev/urandom | od -x > /rand
FROM busybox AS independent
RUN head -c 16 /dev/urandom | od -x > /rand
FROM busybox
COPY --from=fromctx /rand /a
COPY --from=independent /rand /b
`

// TestCacheKeysOnContentAndScope pins design §7: an mtime-only change hits;
// a content change misses in its stage and in stages copying from it, and
// nowhere else.
func TestCacheKeysOnContentAndScope(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": scopeDockerfile, "input": "one\n"})
		build := func(t *testing.T) (string, string) {
			t.Helper()
			fs := s.image(t, s.must(t, "bud", ctx).id(t)).Files()
			x, _ := fs.Get("/a")
			y, _ := fs.Get("/b")
			return string(x.Data), string(y.Data)
		}
		a1, b1 := build(t)
		t.Run("touching a source's mtime is a hit", func(t *testing.T) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(ctx, "input"), later, later); err != nil {
				t.Fatal(err)
			}
			if a2, b2 := build(t); a2 != a1 || b2 != b1 {
				t.Errorf("an mtime-only change re-ran a step")
			}
		})
		t.Run("a content change misses only where it flows", func(t *testing.T) {
			writeTree(t, ctx, map[string]string{"input": "two\n"})
			chownTree(t, s.a, ctx)
			a3, b3 := build(t)
			if a3 == a1 {
				t.Errorf("the stage copying the changed file was served from the cache")
			}
			if b3 != b1 {
				t.Errorf("the independent stage ran again after an unrelated change")
			}
		})
	})
}
