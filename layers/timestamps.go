package layers

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// RewriteTimes sets the modification times of what a working layer adds
// or changes, for reproducible images: with force every file's becomes t
// (buildah's --timestamp), otherwise only times later than t are clamped
// to it (--rewrite-timestamp with SOURCE_DATE_EPOCH, as BuildKit). The tar
// of the layer then carries these times, so the same inputs give the same
// layer digest whenever and by whomever they are built.
//
// It works on the layer's own diff directory, which only drivers that keep
// one have (overlay); call it after Unmount and before RecordCache.
func (s *Store) RewriteTimes(layerID string, t time.Time, force bool) error {
	dir, err := s.store.DifferTarget(layerID)
	if errors.Is(err, storage.ErrNotSupported) {
		return s.CanRewriteTimes()
	}
	if err != nil {
		return fmt.Errorf("locating layer %s: %w", shortID(layerID), err)
	}
	ts := []unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	err = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		if !force && !time.Unix(st.Mtim.Unix()).After(t) {
			return nil
		}
		return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		return fmt.Errorf("rewriting file times in layer %s: %w", shortID(layerID), err)
	}
	return nil
}

// CanRewriteTimes says, before a build starts, why RewriteTimes cannot work
// with this store's driver (nil when it can).
func (s *Store) CanRewriteTimes() error {
	if d := s.store.GraphDriverName(); d != "overlay" {
		return fmt.Errorf("rewriting file times needs the overlay storage driver; %s keeps no separate layer diffs (use --storage-driver overlay)", d)
	}
	return nil
}
