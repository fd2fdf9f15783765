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
	store   storage.Store
	scratch *scratch
	// fallback is why overlay could not be used when Open fell back to vfs.
	fallback error
	// fuse: storage mounts overlay layers through fuse-overlayfs because
	// native overlay fails for this store.
	fuse bool
	// stack mounts the working layers this process makes (mount_stack.go).
	stack *stackMounter
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
	if os.Getenv(chownTolerantEnv) == "1" {
		// A single-id user namespace: pulled layers with files owned by
		// other ids must unpack as ours, as COPY's files do.
		opts.GraphDriverOptions = append(opts.GraphDriverOptions, "overlay.ignore_chown_errors=true", "vfs.ignore_chown_errors=true")
	}
	if err := callerAsRoot(&opts); err != nil {
		return nil, err
	}
	if o.Driver != "" {
		opts.GraphDriverName = o.Driver
	}
	if opts.GraphDriverName == "" {
		opts.GraphDriverName = priorDriver(opts.GraphRoot)
	}
	var fallback error
	mode := overlayNative
	if opts.GraphDriverName == "overlay" {
		fresh := !exists(filepath.Join(opts.GraphRoot, "overlay-layers"))
		var why error
		mode, why = probeOverlay(opts.GraphRoot, opts.RunRoot, opts.GraphDriverOptions)
		switch {
		case mode == overlayNone && o.Driver == "":
			logrus.Warnf("%v; using vfs, which copies every layer in full: see stagebox info", why)
			opts.GraphDriverName, fallback = "vfs", why
		case mode == overlayFuse && fresh:
			logrus.Warnf("native overlay mounts fail for this store, so storage mounts its layers with fuse-overlayfs, which is slower: see stagebox info")
		}
	}
	st, err := storage.GetStore(opts)
	if err != nil && o.Driver == "" && opts.GraphDriverName == "overlay" {
		logrus.Warnf("overlay storage driver unavailable (%v); using vfs, which copies every layer in full: fix overlay or pass --storage-driver", oneLine(err))
		fallback = err
		opts.GraphDriverName = "vfs"
		st, err = storage.GetStore(opts)
	}
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s with the %s driver: %w", opts.GraphRoot, opts.GraphDriverName, err)
	}
	s := &Store{store: st, scratch: newScratch(st.GraphRoot()), fallback: fallback, fuse: mode == overlayFuse && opts.GraphDriverName == "overlay"}
	s.stack = newStackMounter(st, opts.GraphDriverOptions, s.fuse)
	s.scratch.reapAbandoned(st)
	return s, nil
}

// chownTolerantEnv is set by the sandbox package when stagebox runs in a
// user namespace that maps a single id (the unpack package reads it too).
const chownTolerantEnv = "STAGEBOX_CHOWN_TOLERANT"

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

// Fallback is why overlay was unusable when Open fell back to vfs, or nil.
func (s *Store) Fallback() error { return s.fallback }

// FuseOverlay reports whether overlay layers are mounted through
// fuse-overlayfs, which storage chose because native overlay fails.
func (s *Store) FuseOverlay() bool { return s.fuse }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Storage exposes the underlying store for callers that need the library.
func (s *Store) Storage() storage.Store { return s.store }

// Shutdown unmounts what this process mounted and releases the store.
func (s *Store) Shutdown() {
	s.stack.unmountAll()
	s.scratch.close(s.store)
	if _, err := s.store.Shutdown(false); err != nil {
		logrus.Debugf("shutting down storage: %v", err)
	}
}

// GraphRoot is where Open would put the store: root when given, else
// containers-storage's default for this user (storage.conf, rootless
// paths). The isolation probes look at that filesystem before it opens.
func GraphRoot(root string) (string, error) {
	return defaultRoot(root, func(o storage.StoreOptions) string { return o.GraphRoot })
}

// RunRoot is where Open would put the store's run state: runRoot when
// given, else containers-storage's default for this user.
func RunRoot(runRoot string) (string, error) {
	return defaultRoot(runRoot, func(o storage.StoreOptions) string { return o.RunRoot })
}

func defaultRoot(given string, pick func(storage.StoreOptions) string) (string, error) {
	if given != "" {
		return given, nil
	}
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		return "", fmt.Errorf("reading containers-storage defaults (storage.conf): %w", err)
	}
	return pick(opts), nil
}
