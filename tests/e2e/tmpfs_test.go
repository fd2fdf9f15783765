package e2e

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// tmpfsStore is a store whose --root is a tmpfs of the given size that
// the account owns, so a test can fill the disk the build writes to. It
// needs root to mount; the rootless half gets a tmpfs mounted for it, as
// an administrator would give a CI user a bounded scratch disk.
func tmpfsStore(t *testing.T, a *account, size string) *store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs as the store needs the suite to run as root")
	}
	s := newStore(t, a)
	must(t, os.Mkdir(s.root(), 0o755))
	opts := "mode=0755,size=" + size
	if a.viaRunuser {
		opts += fmt.Sprintf(",uid=%d,gid=%d", a.uid, a.gid)
	}
	must(t, unix.Mount("tmpfs", s.root(), "tmpfs", 0, opts))
	t.Cleanup(func() { unix.Unmount(s.root(), unix.MNT_DETACH) })
	return s
}

// usedBytes is how much of the filesystem holding dir is in use.
func usedBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st unix.Statfs_t
	must(t, unix.Statfs(dir, &st))
	return int64(st.Blocks-st.Bfree) * st.Bsize
}

// fill takes all but keep bytes of the free space of the filesystem
// holding dir with a file; removing the file frees the space again.
func fill(t *testing.T, dir string, keep int64) string {
	t.Helper()
	var st unix.Statfs_t
	must(t, unix.Statfs(dir, &st))
	free := int64(st.Bavail)*st.Bsize - keep
	path := dir + "/filler"
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	if free > 0 {
		// tmpfs has no fallocate for holes: write real pages.
		chunk := make([]byte, 1<<20)
		for free > 0 {
			n := min(free, int64(len(chunk)))
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
			free -= n
		}
	}
	return path
}
