package layers

import (
	"fmt"
	"io"
	"os"

	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// Squash returns a new layer on from holding, as one diff, everything the
// chain from (exclusive) to top (inclusive) changes: bud --squash (from is
// the stage's base) and --squash-all (from is "", the whole filesystem).
func (s *Store) Squash(from, top string) (string, error) {
	rc, err := s.squashStream(from, top)
	if err != nil {
		return "", fmt.Errorf("squashing layer %s: %w", shortID(top), err)
	}
	// Spooled: storage holds its layer lock while a diff streams, and
	// PutLayer takes the same lock to write.
	f, err := s.spool(rc, "squash-")
	if err != nil {
		return "", fmt.Errorf("squashing layer %s: %w", shortID(top), err)
	}
	defer f.Close()
	l, _, err := s.store.PutLayer("", from, nil, "", false, nil, f)
	if err != nil {
		return "", fmt.Errorf("squashing layer %s: %w", shortID(top), err)
	}
	if err := s.scratch.record(l.ID); err != nil {
		s.store.DeleteLayer(l.ID)
		return "", err
	}
	return l.ID, nil
}

// squashStream is the tar of from..top's changes: storage's diff between
// two layers when there is a base (a driver diffs layers that are not
// parent and child by comparing their trees), else the whole mounted tree.
func (s *Store) squashStream(from, top string) (io.ReadCloser, error) {
	if from != "" {
		uncompressed := archive.Uncompressed
		rc, err := s.store.Diff(from, top, &storage.DiffOptions{Compression: &uncompressed})
		if err != nil {
			return nil, err
		}
		return recordedOwners(rc), nil
	}
	dir, err := s.Mount(top)
	if err != nil {
		return nil, err
	}
	rc, err := archive.TarWithOptions(dir, &archive.TarOptions{Compression: archive.Uncompressed})
	if err != nil {
		s.Unmount(top)
		return nil, err
	}
	return &unmountOnClose{ReadCloser: recordedOwners(rc), unmount: func() { s.Unmount(top) }}, nil
}

type unmountOnClose struct {
	io.ReadCloser
	unmount func()
}

func (u *unmountOnClose) Close() error {
	err := u.ReadCloser.Close()
	u.unmount()
	return err
}

// spool copies rc to an unlinked file in the scratch area, rewound, and
// closes rc.
func (s *Store) spool(rc io.ReadCloser, prefix string) (*os.File, error) {
	defer rc.Close()
	dir, err := s.scratch.tmp()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, prefix)
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	if _, err = io.Copy(f, rc); err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
