package e2e

import (
	"archive/tar"
	"slices"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// wantFile asserts a regular file with exactly this content.
func wantFile(t *testing.T, fs ocidir.Files, path, content string) {
	t.Helper()
	e, ok := fs.Get(path)
	switch {
	case !ok:
		t.Errorf("%s: missing from the image", path)
	case e.Typeflag != tar.TypeReg && e.Typeflag != tar.TypeLink:
		t.Errorf("%s: type %c, want a regular file", path, e.Typeflag)
	case string(e.Data) != content:
		t.Errorf("%s: content %q, want %q", path, e.Data, content)
	}
}

// wantPresent asserts an entry of any kind at path.
func wantPresent(t *testing.T, fs ocidir.Files, path string) ocidir.Entry {
	t.Helper()
	e, ok := fs.Get(path)
	if !ok {
		t.Errorf("%s: missing from the image", path)
	}
	return e
}

func wantAbsent(t *testing.T, fs ocidir.Files, path string) {
	t.Helper()
	if _, ok := fs.Get(path); ok {
		t.Errorf("%s: present in the image, want it absent", path)
	}
}

// wantOwner is the ownership check both end-to-end suites share.
var wantOwner = ocidir.WantOwner

func wantMode(t *testing.T, fs ocidir.Files, path string, mode int64) {
	t.Helper()
	if e, ok := fs.Get(path); !ok {
		t.Errorf("%s: missing from the image", path)
	} else if e.Mode&0o7777 != mode {
		t.Errorf("%s: mode %04o, want %04o", path, e.Mode&0o7777, mode)
	}
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
