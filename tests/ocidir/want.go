package ocidir

import "testing"

// WantOwner fails t unless path is in fs and owned by uid:gid, the check
// both end-to-end suites make of what a build wrote.
func WantOwner(t testing.TB, fs Files, path string, uid, gid int) {
	t.Helper()
	if e, ok := fs.Get(path); !ok {
		t.Errorf("%s: missing from the image", path)
	} else if e.Uid != uid || e.Gid != gid {
		t.Errorf("%s: owned by %d:%d, want %d:%d", path, e.Uid, e.Gid, uid, gid)
	}
}
