package e2e

import (
	"strings"
	"testing"
)

// TestCopyLink pins COPY/ADD --link: the step's layer is made without the
// layers below it, so a changed base still hits its cache entry and the
// image gets the very same layer blob.
func TestCopyLink(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		files := map[string]string{"a.txt": "a\n", "d/b.txt": "b\n"}
		first := s.bud(t, opts{}, "FROM busybox\nCOPY --link a.txt d /app/\n", files)
		if first.code != 0 {
			t.Fatalf("build failed:\n%s", first)
		}
		second := s.bud(t, opts{}, "FROM busybox\nRUN echo changed > /base\nCOPY --link a.txt d /app/\n", files)
		if second.code != 0 {
			t.Fatalf("build failed:\n%s", second)
		}
		if !stepHit(second.stderr, "COPY --link") {
			t.Errorf("COPY --link on a changed base missed the cache:\n%s", second)
		}
		img1, img2 := s.image(t, first.id(t)), s.image(t, second.id(t))
		l1, l2 := img1.Layers[len(img1.Layers)-1], img2.Layers[len(img2.Layers)-1]
		if l1.Descriptor.Digest != l2.Descriptor.Digest {
			t.Errorf("the --link layer differs on another base: %s and %s", l1.Descriptor.Digest, l2.Descriptor.Digest)
		}
		fs := img2.Files()
		wantFile(t, fs, "/app/a.txt", "a\n")
		wantFile(t, fs, "/app/b.txt", "b\n")
		wantFile(t, fs, "/base", "changed\n")
		wantPresent(t, fs, "/bin/busybox")

		t.Run("--chown names resolve in the stage's passwd; numbers give gid = uid", func(t *testing.T) {
			id := s.build(t, "FROM busybox\nCOPY --link --chown=app a.txt /named/\nADD --link --chown=4321 a.txt /num/\n", files)
			fs := s.image(t, id).Files()
			wantOwner(t, fs, "/named/a.txt", 1000, 1000)
			wantOwner(t, fs, "/num/a.txt", 4321, 4321)
		})
		t.Run("a changed source misses", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nCOPY --link a.txt d /app/\n", map[string]string{"a.txt": "changed\n", "d/b.txt": "b\n"})
			if r.code != 0 || stepHit(r.stderr, "COPY --link") {
				t.Fatalf("want a fresh copy:\n%s", r)
			}
			wantFile(t, s.image(t, r.id(t)).Files(), "/app/a.txt", "changed\n")
		})
		t.Run("FROM scratch", func(t *testing.T) {
			id := s.build(t, "FROM scratch\nCOPY --link a.txt /\n", files)
			wantFile(t, s.image(t, id).Files(), "/a.txt", "a\n")
		})
	})
}

// stepHit reports whether the step whose line contains step was a cache hit.
func stepHit(out, step string) bool {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.Contains(l, "STEP") && strings.Contains(l, step) {
			return i+1 < len(lines) && strings.HasPrefix(lines[i+1], "--> Using cache")
		}
	}
	return false
}
