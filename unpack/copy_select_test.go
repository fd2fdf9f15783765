package unpack

import (
	"path/filepath"
	"testing"
)

func TestCopyExcludeMatchesBelowEachSource(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{
		"app/main.go": "m", "app/debug.log": "l", "app/sub/trace.log": "t", "app/keep.log": "k",
		"top.log": "x", "notes.txt": "n",
	})
	spec := ctxSpec(ctx, dst, "/out/", "app", "*.log", "notes*")
	spec.Excludes = []string{"notes.txt"} // .dockerignore stays its own list
	spec.SourceExcludes = []string{"*.log", "!keep.log", "sub"}
	mustCopy(t, spec)
	assertContent(t, filepath.Join(dst, "out/main.go"), "m")
	assertContent(t, filepath.Join(dst, "out/keep.log"), "k")
	assertMissing(t, filepath.Join(dst, "out/debug.log"))
	assertMissing(t, filepath.Join(dst, "out/sub"))
	assertMissing(t, filepath.Join(dst, "out/top.log"))
	assertMissing(t, filepath.Join(dst, "out/notes.txt"))
}

func TestCopyExcludeChangesTheDigest(t *testing.T) {
	ctx, _ := roots(t)
	tree(t, ctx, map[string]string{"d/a.txt": "a", "d/b.log": "b"})
	spec := ctxSpec(ctx, "", "/", "d")
	plain, err := Digest(spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.SourceExcludes = []string{"*.log"}
	excluded, err := Digest(spec)
	if err != nil {
		t.Fatal(err)
	}
	if plain == excluded {
		t.Error("--exclude did not change the digest of what is copied")
	}
}

func TestCopyWildcardMatchingNothingIsSkipped(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a.txt": "a"})
	mustCopy(t, ctxSpec(ctx, dst, "/dst/", "nomatch*", "a.txt"))
	assertContent(t, filepath.Join(dst, "dst/a.txt"), "a")
	if err := Copy(ctxSpec(ctx, dst, "/dst/", "nomatch*", "none?")); err == nil {
		t.Error("COPY with no source matching anything succeeded")
	}
	if err := Copy(ctxSpec(ctx, dst, "/dst/", "nomatch*", "missing.txt")); err == nil {
		t.Error("a missing source without wildcards was skipped")
	}
}

func TestCopySourceAboveTheContextIsClamped(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"outside.txt": "inside"})
	tree(t, filepath.Dir(ctx), map[string]string{"outside.txt": "host file"})
	mustCopy(t, ctxSpec(ctx, dst, "/x", "../outside.txt"))
	assertContent(t, filepath.Join(dst, "x"), "inside")
	for in, want := range map[string]string{"../outside.txt": "outside.txt", "../../a/../b": "b", "/abs/x": "abs/x", "..": "."} {
		rel, clamped := CleanSource(in)
		if rel != want || clamped != (in[0] == '.') {
			t.Errorf("CleanSource(%q) = %q, %v", in, rel, clamped)
		}
	}
}

func TestCopyParentsKeepsSourcePaths(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{
		"x/a.txt": "xa", "y/a.txt": "ya", "src/pkg/deep/b.go": "b", "src/pkg/c.go": "c", "src/pkg/c.txt": "t",
		"dir/sub/f": "f",
	})
	spec := ctxSpec(ctx, dst, "/p/", "./x/a.txt", "y/a.txt", "src/./pkg/**/*.go", "dir/sub")
	spec.Parents = true
	mustCopy(t, spec)
	assertContent(t, filepath.Join(dst, "p/x/a.txt"), "xa")
	assertContent(t, filepath.Join(dst, "p/y/a.txt"), "ya")
	assertContent(t, filepath.Join(dst, "p/pkg/deep/b.go"), "b")
	assertContent(t, filepath.Join(dst, "p/pkg/c.go"), "c")
	assertMissing(t, filepath.Join(dst, "p/pkg/c.txt"))
	assertMissing(t, filepath.Join(dst, "p/src"))
	assertContent(t, filepath.Join(dst, "p/dir/sub/f"), "f")
}

func TestCopyDoubleStarMatchesAnyDepth(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a.go": "1", "d/b.go": "2", "d/e/c.go": "3", "d/e/c.txt": "4"})
	mustCopy(t, ctxSpec(ctx, dst, "/g/", "**/*.go"))
	for _, n := range []string{"a.go", "b.go", "c.go"} {
		assertContent(t, filepath.Join(dst, "g", n), map[string]string{"a.go": "1", "b.go": "2", "c.go": "3"}[n])
	}
	assertMissing(t, filepath.Join(dst, "g/c.txt"))
}
