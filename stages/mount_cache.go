package stages

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/unpack"
	"golang.org/x/sys/unix"
)

var sharingModes = map[instructions.ShareMode]layers.Sharing{
	"":                               layers.SharingShared,
	instructions.MountSharingShared:  layers.SharingShared,
	instructions.MountSharingLocked:  layers.SharingLocked,
	instructions.MountSharingPrivate: layers.SharingPrivate,
}

// attachCache mounts the cache directory of the mount's id, which lives in
// the store and outlives the build. A new directory is seeded from
// from=/source= when given, then given mode=, uid= and gid= (BuildKit's
// defaults 0755, 0, 0), the ids as the user namespace sees them.
func (st *stageState) attachCache(ctx context.Context, r *runMounts, m *instructions.Mount) error {
	sharing, ok := sharingModes[m.CacheSharing]
	if !ok {
		return fmt.Errorf("--mount sharing=%s: use shared, private or locked", m.CacheSharing)
	}
	init := func(dir string) error { return st.initCacheDir(ctx, m, dir) }
	waiting := func() {
		st.note("--> waiting for cache mount %q, in use by another build (sharing=%s)", m.CacheID, m.CacheSharing)
	}
	cm, err := st.b.store.CacheMount(ctx, m.CacheID, sharing, init, waiting)
	if err != nil {
		return err
	}
	r.add(sandbox.Mount{Source: cm.Dir, Destination: m.Target, ReadOnly: m.ReadOnly}, cm.Release)
	return nil
}

// initCacheDir prepares a cache directory that did not exist.
func (st *stageState) initCacheDir(ctx context.Context, m *instructions.Mount, dir string) error {
	if m.From != "" || m.Source != "" {
		src, err := bindSource(m)
		if err != nil {
			return err
		}
		from, err := st.openSource(ctx, m.From)
		if err != nil {
			return err
		}
		defer from.release()
		spec := unpack.CopySpec{SrcRoot: from.root, Sources: []string{src}, FromContext: from.fromContext, DstRoot: dir, Dest: "/"}
		if err := unpack.CopyContext(ctx, spec); err != nil {
			return fmt.Errorf("--mount from=%s source=%s: %w", m.From, m.Source, err)
		}
	}
	mode, uid, gid := fileMode(m, 0o755)
	return ownRoot(dir, mode, uid, gid)
}

// ownRoot gives path the mode and owner a mount's options ask for. With a
// single-id user namespace another owner cannot exist, and is ignored.
func ownRoot(path string, mode uint32, uid, gid int) error {
	if err := os.Lchown(path, uid, gid); err != nil && !sandbox.ChownTolerant() {
		return fmt.Errorf("giving the mount to %d:%d: %w", uid, gid, err)
	}
	if err := unix.Chmod(path, mode&0o7777); err != nil {
		return fmt.Errorf("setting the mount's mode %o: %w", mode, err)
	}
	return nil
}
