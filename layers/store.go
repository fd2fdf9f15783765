// Package layers owns stagebox's containers-storage store: opening it,
// working layers that stages write into, committing a layer chain as an
// image, and managing the images it holds.
package layers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"
	"go.podman.io/storage"
)

// Options override the containers-storage defaults; zero values keep them.
type Options struct {
	Root, RunRoot string
	Driver        string
	DriverOptions []string
}

// Store is a containers-storage store as stagebox uses it.
type Store struct {
	store storage.Store
}

// Open applies containers-storage defaults (storage.conf, rootless paths)
// then the overrides in o. When no --storage-driver was given and overlay
// cannot start, it falls back to vfs and warns once, because vfs copies
// every layer in full and the user should know why the disk fills.
func Open(o Options) (*Store, error) {
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		return nil, fmt.Errorf("reading containers-storage defaults (storage.conf): %w", err)
	}
	if o.Root != "" {
		opts.GraphRoot = o.Root
	}
	if o.RunRoot != "" {
		opts.RunRoot = o.RunRoot
	}
	opts.GraphDriverOptions = append(opts.GraphDriverOptions, o.DriverOptions...)
	if o.Driver != "" {
		opts.GraphDriverName = o.Driver
	}
	if opts.GraphDriverName == "" {
		opts.GraphDriverName = priorDriver(opts.GraphRoot)
	}
	st, err := storage.GetStore(opts)
	if err != nil && o.Driver == "" && opts.GraphDriverName == "overlay" {
		logrus.Warnf("overlay storage driver unavailable (%v); using vfs, which copies every layer in full: fix overlay or pass --storage-driver", oneLine(err))
		opts.GraphDriverName = "vfs"
		st, err = storage.GetStore(opts)
	}
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s with the %s driver: %w", opts.GraphRoot, opts.GraphDriverName, err)
	}
	return &Store{store: st}, nil
}

// priorDriver keeps using vfs in a store that was already set up with it
// (say, after an earlier fallback), since the layers exist only there;
// otherwise the default is overlay.
func priorDriver(graphRoot string) string {
	_, vfsErr := os.Stat(filepath.Join(graphRoot, "vfs-layers"))
	_, overlayErr := os.Stat(filepath.Join(graphRoot, "overlay-layers"))
	if vfsErr == nil && errors.Is(overlayErr, os.ErrNotExist) {
		return "vfs"
	}
	return "overlay"
}

// Storage exposes the underlying store for callers that need the library.
func (s *Store) Storage() storage.Store { return s.store }

// Shutdown unmounts what this process mounted and releases the store.
func (s *Store) Shutdown() {
	if _, err := s.store.Shutdown(false); err != nil {
		logrus.Debugf("shutting down storage: %v", err)
	}
}
