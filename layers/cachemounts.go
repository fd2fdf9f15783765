package layers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cacheMountsDir holds the directories of RUN --mount=type=cache, beside
// the layers: <graphroot>/stagebox-cache-mounts/<sha256 of id>/, each with a
// <same>.lock file that concurrent builds flock to share it.
const cacheMountsDir = "stagebox-cache-mounts"

// Sharing says how concurrent steps share one cache directory.
type Sharing int

const (
	// SharingShared lets every step use the directory at once.
	SharingShared Sharing = iota
	// SharingLocked gives it to one step at a time; the others wait.
	SharingLocked
	// SharingPrivate gives it to one step; a step finding it busy gets a
	// fresh empty directory instead, dropped after the step.
	SharingPrivate
)

// CacheMount is a cache directory held for one step until Release.
type CacheMount struct {
	Dir     string
	lock    *os.File
	private bool // Dir is a throwaway directory
}

// CacheMount returns the cache directory of id, creating it when missing:
// init runs on the new, still unpublished directory (to seed and own it),
// so no step ever sees a half-made cache. waiting, when not nil, is called
// once if the step must wait for another holder (another build, even in
// another process). The directory stays the step's until Release.
func (s *Store) CacheMount(ctx context.Context, id string, sharing Sharing, init func(dir string) error, waiting func()) (*CacheMount, error) {
	base := filepath.Join(s.store.GraphRoot(), cacheMountsDir)
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("creating the cache mount directory: %w", err)
	}
	sum := sha256.Sum256([]byte(id))
	name := filepath.Join(base, hex.EncodeToString(sum[:]))
	lock, err := os.OpenFile(name+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock of cache mount %q: %w", id, err)
	}
	how := unix.LOCK_SH
	if sharing != SharingShared {
		how = unix.LOCK_EX
	}
	if err := unix.Flock(int(lock.Fd()), how|unix.LOCK_NB); err != nil {
		if sharing == SharingPrivate {
			lock.Close()
			return newPrivateCacheMount(base, init)
		}
		if waiting != nil {
			waiting()
		}
		if err := flockWait(ctx, lock, how); err != nil {
			lock.Close()
			return nil, fmt.Errorf("waiting for cache mount %q: %w", id, err)
		}
	}
	if err := ensureCacheDir(ctx, lock, name, how, init); err != nil {
		lock.Close()
		return nil, fmt.Errorf("creating cache mount %q: %w", id, err)
	}
	return &CacheMount{Dir: name, lock: lock}, nil
}

// ensureCacheDir creates the directory when missing, under an exclusive
// lock so two first users never both seed it, and returns holding how.
func ensureCacheDir(ctx context.Context, lock *os.File, dir string, how int, init func(string) error) error {
	if exists(dir) {
		return nil
	}
	if how != unix.LOCK_EX {
		if err := flockWait(ctx, lock, unix.LOCK_EX); err != nil {
			return err
		}
		defer flockWait(context.WithoutCancel(ctx), lock, how)
		if exists(dir) {
			return nil
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "new-")
	if err != nil {
		return err
	}
	if err := init(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return nil
}

func newPrivateCacheMount(base string, init func(string) error) (*CacheMount, error) {
	dir, err := os.MkdirTemp(base, "private-")
	if err != nil {
		return nil, fmt.Errorf("creating a private cache mount: %w", err)
	}
	if err := init(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &CacheMount{Dir: dir, private: true}, nil
}

// flockWait takes the lock, polling so that an interrupted build stops
// waiting (a blocking flock cannot be cancelled).
func flockWait(ctx context.Context, f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Release gives the directory back; a private throwaway one is deleted.
func (m *CacheMount) Release() {
	if m.private {
		os.RemoveAll(m.Dir)
	}
	if m.lock != nil {
		m.lock.Close() // closing drops the flock
	}
}

// PruneCacheMounts deletes every cache mount directory no step is using
// and returns how many it deleted.
func (s *Store) PruneCacheMounts() (int, error) {
	base := filepath.Join(s.store.GraphRoot(), cacheMountsDir)
	ents, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("reading cache mounts: %w", err)
	}
	n := 0
	for _, e := range ents {
		name := filepath.Join(base, e.Name())
		if !e.IsDir() || strings.HasPrefix(e.Name(), "private-") || strings.HasPrefix(e.Name(), "new-") {
			continue // lock files, and directories a running step owns
		}
		removed, err := pruneCacheDir(name)
		if err != nil {
			return n, err
		}
		if removed {
			n++
		}
	}
	return n, nil
}

// pruneCacheDir deletes dir unless a step holds its lock.
func pruneCacheDir(dir string) (bool, error) {
	lock, err := os.OpenFile(dir+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false, fmt.Errorf("opening the lock of %s: %w", dir, err)
	}
	defer lock.Close()
	if unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return false, nil // in use: kept
	}
	// The lock file stays: a build may have it open, waiting for it.
	if err := os.RemoveAll(dir); err != nil {
		return false, fmt.Errorf("removing cache mount %s: %w", dir, err)
	}
	return true, nil
}

// CacheMountsSize is the disk space the cache mount directories take.
func (s *Store) CacheMountsSize() (int64, error) {
	var total int64
	err := filepath.WalkDir(filepath.Join(s.store.GraphRoot(), cacheMountsDir), func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512 // what the disk holds, holes excluded
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("measuring cache mounts: %w", err)
	}
	return total, nil
}
