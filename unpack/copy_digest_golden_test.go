package unpack

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDigestGolden pins the digest of a sample tree: the cache keys of
// existing images must not change when the walk or the stat index is
// reworked. The expected values were computed by the code that listed every
// file of a source before digesting it.
func TestDigestGolden(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{
		"d/a": "alpha", "d/b/c": "gamma", "d/b/e/f": "phi", "d/link": "->a", "d/z": "zeta",
		"d/ign/x": "ignored", "d/ign/keep": "kept", "d/empty/": "", "top.txt": "top",
	})
	must(t, os.Link(filepath.Join(ctx, "d/a"), filepath.Join(ctx, "d/b/hard")))
	for _, p := range []string{"d", "d/b", "d/b/e", "d/ign", "d/empty"} {
		must(t, os.Chmod(filepath.Join(ctx, p), 0o755))
	}
	for _, p := range []string{"d/a", "d/b/c", "d/b/e/f", "d/z", "d/ign/x", "d/ign/keep", "top.txt"} {
		must(t, os.Chmod(filepath.Join(ctx, p), 0o644))
	}
	must(t, os.Chmod(filepath.Join(ctx, "d/z"), 0o600))
	cases := map[string]struct {
		spec CopySpec
		want string
	}{
		"tree": {ctxSpec(ctx, dst, "/x/", "d", "top.txt"), "sha256:0e5c0bd65fefb1531ed333f2356fa8d7dd7cf4c0f1c2c0ea023c172b4c27f39c"},
		"ignore": {func() CopySpec {
			s := ctxSpec(ctx, dst, "/x/", "d")
			s.Excludes = []string{"d/ign", "!d/ign/keep"}
			s.SourceExcludes = []string{"b/e"}
			return s
		}(), "sha256:3e0c00e997cc2edd5c859e6b6e3debf2c47156ac7d5e12e3d84322e3961e3587"},
	}
	for name, c := range cases {
		// Without an index, then with one twice: the second run reads it.
		idx := OpenStatIndex(filepath.Join(t.TempDir(), "idx"))
		for _, x := range []*StatIndex{nil, idx, idx} {
			c.spec.Digests = x
			if got := digestOf(t, c.spec); got != c.want {
				t.Errorf("%s: digest %s, want %s", name, got, c.want)
			}
		}
	}
}
