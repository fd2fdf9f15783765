package unpack

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func digestOf(t *testing.T, spec CopySpec) string {
	t.Helper()
	d, err := Digest(spec)
	if err != nil {
		t.Fatalf("Digest: %v", err)
	}
	return d
}

func TestDigestIgnoresMtimeButNotContent(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"d/a": "alpha", "d/sub/b": "beta", "d/link": "->a"})
	spec := ctxSpec(ctx, dst, "/x", "d")
	before := digestOf(t, spec)

	later := time.Now().Add(time.Hour)
	for _, p := range []string{"d", "d/a", "d/sub", "d/sub/b"} {
		must(t, os.Chtimes(filepath.Join(ctx, p), later, later))
	}
	if got := digestOf(t, spec); got != before {
		t.Errorf("touching files changed the digest")
	}

	must(t, os.WriteFile(filepath.Join(ctx, "d/sub/b"), []byte("betA"), 0o644))
	if got := digestOf(t, spec); got == before {
		t.Errorf("changing one byte kept the digest")
	}
}

func TestDigestChangesWithModeOwnerLinkTargetAndName(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"d/a": "alpha", "d/link": "->a"})
	spec := ctxSpec(ctx, dst, "/x", "d")
	seen := map[string]string{"base": digestOf(t, spec)}
	record := func(what string, d string) {
		for prev, pd := range seen {
			if pd == d {
				t.Errorf("%s has the same digest as %s", what, prev)
			}
		}
		seen[what] = d
	}

	must(t, os.Chmod(filepath.Join(ctx, "d/a"), 0o600))
	record("chmod", digestOf(t, spec))

	chown := spec
	chown.Chown = &Owner{UID: 1}
	record("chown", digestOf(t, chown))

	chmod := spec
	mode := os.FileMode(0o700)
	chmod.Chmod = &mode
	record("--chmod", digestOf(t, chmod))

	must(t, os.Remove(filepath.Join(ctx, "d/link")))
	must(t, os.Symlink("b", filepath.Join(ctx, "d/link")))
	record("retarget", digestOf(t, spec))

	must(t, os.Rename(filepath.Join(ctx, "d/a"), filepath.Join(ctx, "d/c")))
	record("rename", digestOf(t, spec))
}

func TestDigestSkipsIgnoredFiles(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"main.go": "m", "build.log": "1"})
	spec := ctxSpec(ctx, dst, "/app/", ".")
	spec.Excludes = []string{"*.log"}
	before := digestOf(t, spec)
	must(t, os.WriteFile(filepath.Join(ctx, "build.log"), []byte("2"), 0o644))
	if digestOf(t, spec) != before {
		t.Error("an ignored file changed the digest")
	}
}

func TestDigestIsIndependentOfContextLocation(t *testing.T) {
	ctx1, dst := roots(t)
	ctx2, _ := roots(t)
	for _, ctx := range []string{ctx1, ctx2} {
		tree(t, ctx, map[string]string{"f": "same"})
	}
	if digestOf(t, ctxSpec(ctx1, dst, "/", "f")) != digestOf(t, ctxSpec(ctx2, dst, "/", "f")) {
		t.Error("the same sources in two directories hash differently")
	}
}
