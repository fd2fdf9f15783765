package unpack

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// FuzzExtract feeds arbitrary bytes to ADD and checks that nothing is
// created, changed or linked outside the destination root. The seed corpus in
// testdata/fuzz/FuzzExtract holds the classic escapes and runs with go test.
func FuzzExtract(f *testing.F) {
	f.Add(tarOf(f, entry{Name: "a/b", Body: "c"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if tooBigToExtract(data) {
			t.Skip("expands beyond the fuzz budget")
		}
		tolerateChown(t)
		base := t.TempDir()
		ctx, root, out := filepath.Join(base, "ctx"), filepath.Join(base, "root"), filepath.Join(base, "outside")
		for _, d := range []string{ctx, root, out} {
			must(t, os.Mkdir(d, 0o755))
		}
		must(t, os.WriteFile(filepath.Join(out, "sentinel"), []byte("keep"), 0o644))
		must(t, os.WriteFile(filepath.Join(ctx, "input"), data, 0o644))

		_ = Copy(addSpec(ctx, root, "/x/", "input")) // errors are fine; escapes are not

		assertOnly(t, filepath.Dir(base), filepath.Base(base))
		assertOnly(t, base, "ctx", "outside", "root")
		assertOnly(t, ctx, "input")
		assertOnly(t, out, "sentinel")
		assertContent(t, filepath.Join(out, "sentinel"), "keep")
		if n := lstat(t, filepath.Join(out, "sentinel")).Nlink; n != 1 {
			t.Errorf("sentinel outside the root gained a hard link (%d links)", n)
		}
	})
}

func assertOnly(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	if strings.Join(got, "/") != strings.Join(want, "/") {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

// tooBigToExtract bounds the work of one fuzz input: a tiny input can declare
// a huge sparse file or decompress to gigabytes.
func tooBigToExtract(data []byte) bool {
	const budget = 16 << 20
	dr, err := decompress(bytes.NewReader(data))
	if err != nil {
		return false
	}
	defer dr.Close()
	tr := tar.NewReader(io.LimitReader(dr, budget))
	var total int64
	for {
		hdr, err := tr.Next()
		if err != nil {
			return false
		}
		if total += hdr.Size; total > budget {
			return true
		}
	}
}
