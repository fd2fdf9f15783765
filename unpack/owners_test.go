package unpack

import (
	"testing"

	"go.podman.io/storage/pkg/idtools"
)

// Under proot as non-root, a --from source's owner is the one recorded in
// the override xattr (or root for the caller's own files), not the disk's.
func TestInImageNodeUnderProot(t *testing.T) {
	t.Setenv(recordOwnerEnv, "1001:1001")
	n := node{uid: 1001, gid: 1001, mode: 0o700, xattrs: map[string][]byte{
		idtools.ContainersOverrideXattr: []byte("1234:5678:0640:file"), "user.keep": []byte("x")}}
	inImageNode(&n, false, false, false)
	if n.uid != 1234 || n.gid != 5678 || n.mode != 0o640 {
		t.Errorf("recorded owner: got %d:%d %o, want 1234:5678 640", n.uid, n.gid, n.mode)
	}
	if _, ok := n.xattrs[idtools.ContainersOverrideXattr]; ok || n.xattrs["user.keep"] == nil {
		t.Errorf("xattrs %v: want the override dropped, the rest kept", n.xattrs)
	}
	own := node{uid: 1001, gid: 1001, mode: 0o644}
	inImageNode(&own, false, false, false)
	if own.uid != 0 || own.gid != 0 {
		t.Errorf("the caller's own file: %d:%d, want 0:0", own.uid, own.gid)
	}
	chown := node{uid: 7, gid: 7, mode: 0o700, xattrs: map[string][]byte{idtools.ContainersOverrideXattr: []byte("1:1:0600:file")}}
	inImageNode(&chown, false, true, false)
	if chown.uid != 7 || chown.mode != 0o700 {
		t.Errorf("--chown must win over the recorded owner: %+v", chown)
	}
}

func TestInImageNodeOutsideProotChangesNothing(t *testing.T) {
	t.Setenv(recordOwnerEnv, "")
	n := node{uid: 1001, gid: 1001, mode: 0o700, xattrs: map[string][]byte{idtools.ContainersOverrideXattr: []byte("1:1:0600:file")}}
	inImageNode(&n, false, false, false)
	if n.uid != 1001 || n.xattrs[idtools.ContainersOverrideXattr] == nil {
		t.Errorf("without proot the node changed: %+v", n)
	}
}
