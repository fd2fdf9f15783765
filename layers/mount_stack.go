package layers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/sys/unix"
)

// stackMounter mounts the working layers this process made, instead of
// storage's overlay driver, through the kernel's new mount API, which
// takes the lower directories one at a time ("lowerdir+", Linux 6.8).
// Storage's driver passes them all in one option string: once a stack is
// a few dozen layers deep the string no longer fits in a page, and the
// driver starts the binary again to mount from its home with relative
// paths. At 300 layers that cost about 30 ms a step, most of a cold
// step's growth with depth. Everything else (images, pulls, fuse, vfs,
// configured mount options) stays with storage, and so does any layer
// whose mount here fails.
type stackMounter struct {
	mu      sync.Mutex
	home    string // the overlay driver's directory
	off     error  // why this store's layers all go through storage
	ours    map[string]bool
	mounted map[string]*stackMount
}

type stackMount struct {
	path  string
	count int
}

func newStackMounter(st storage.Store, driverOpts []string, fuse bool) *stackMounter {
	m := &stackMounter{home: filepath.Join(st.GraphRoot(), "overlay"), ours: map[string]bool{}, mounted: map[string]*stackMount{}}
	switch {
	case st.GraphDriverName() != "overlay":
		m.off = errors.New("the store does not use overlay")
	case fuse:
		m.off = errors.New("the store mounts through fuse-overlayfs")
	case hasDriverOption(driverOpts, "mount_program", "mountopt", "force_mask", "imagestore", "composefs"):
		m.off = errors.New("the store's overlay options are storage's to apply")
	}
	return m
}

// hasDriverOption reports whether any of the overlay driver options
// ("overlay.mountopt=nodev") sets one of keys.
func hasDriverOption(opts []string, keys ...string) bool {
	for _, o := range opts {
		k, _, _ := strings.Cut(strings.ToLower(o), "=")
		for _, key := range keys {
			if strings.HasSuffix(k, key) {
				return true
			}
		}
	}
	return false
}

// own notes a working layer made by this process.
func (m *stackMounter) own(id string) {
	m.mu.Lock()
	m.ours[id] = true
	m.mu.Unlock()
}

// mount mounts one of our working layers; ok is false when storage must.
func (m *stackMounter) mount(id string) (path string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.off != nil || !m.ours[id] {
		return "", false
	}
	if sm := m.mounted[id]; sm != nil {
		sm.count++
		return sm.path, true
	}
	path, err := mountStack(m.home, id)
	if err != nil {
		logrus.Debugf("mounting layer %s with the new mount API: %v; storage mounts it", shortID(id), err)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
			m.off = err // the kernel has no lowerdir+, or refuses this way
		}
		delete(m.ours, id)
		return "", false
	}
	m.mounted[id] = &stackMount{path: path, count: 1}
	return path, true
}

// unmount drops one mount of a layer mounted here; ok is false when
// storage mounted it.
func (m *stackMounter) unmount(id string) (ok bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sm := m.mounted[id]
	if sm == nil {
		return false, nil
	}
	if sm.count--; sm.count > 0 {
		return true, nil
	}
	delete(m.mounted, id)
	return true, unmountPath(sm.path)
}

// forget unmounts a layer about to be deleted and drops it from ours.
func (m *stackMounter) forget(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ours, id)
	sm := m.mounted[id]
	if sm == nil {
		return nil
	}
	delete(m.mounted, id)
	return unmountPath(sm.path)
}

// unmountAll unmounts what is still mounted here (Shutdown).
func (m *stackMounter) unmountAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, sm := range m.mounted {
		if err := unmountPath(sm.path); err != nil {
			logrus.Debugf("unmounting layer %s: %v", shortID(id), err)
		}
		delete(m.mounted, id)
	}
}

// unmountPath detaches the mount as storage's driver does: a plain
// umount of an overlay waits for it to sync its upper filesystem, which
// the step's seal does not need (storage never syncs a layer's files).
func unmountPath(path string) error {
	err := unix.Unmount(path, unix.MNT_DETACH)
	if errors.Is(err, unix.EINVAL) {
		return nil // not mounted any more
	}
	return err
}

// mountStack mounts layer id of the overlay driver at home as storage
// would: its diff over its parents' diffs (the driver's lower-layers file,
// topmost first), on its own work directory, at its merged directory.
func mountStack(home, id string) (string, error) {
	dir := filepath.Join(home, id)
	lowers, err := lowerDirs(home, dir)
	if err != nil {
		return "", err
	}
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return "", fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fd)
	set := func(k, v string) error {
		if err := unix.FsconfigSetString(fd, k, v); err != nil {
			return fmt.Errorf("overlay option %s=%s: %w", k, v, err)
		}
		return nil
	}
	for _, l := range lowers {
		if err := set("lowerdir+", l); err != nil {
			return "", err
		}
	}
	if err := errors.Join(set("upperdir", filepath.Join(dir, "diff")), set("workdir", filepath.Join(dir, "work"))); err != nil {
		return "", err
	}
	if unshare.IsRootless() {
		// As storage's driver does: trusted.* xattrs are root's alone.
		if err := unix.FsconfigSetFlag(fd, "userxattr"); err != nil {
			return "", fmt.Errorf("overlay option userxattr: %w", err)
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return "", fmt.Errorf("creating the overlay: %w", err)
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("fsmount: %w", err)
	}
	defer unix.Close(mfd)
	target := filepath.Join(dir, "merged")
	if err := os.MkdirAll(target, 0o700); err != nil {
		return "", err
	}
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return "", fmt.Errorf("move_mount to %s: %w", target, err)
	}
	return target, nil
}

// lowerDirs reads the driver's list of a layer's parents; a layer on
// nothing has the driver's empty directory below it.
func lowerDirs(home, dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "lower-layers"))
	if errors.Is(err, os.ErrNotExist) {
		if _, lerr := os.Lstat(filepath.Join(dir, "lower")); lerr == nil {
			return nil, errors.New("the layer lists its parents only in the old format")
		}
		return []string{filepath.Join(dir, "empty")}, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range strings.Split(strings.TrimSpace(string(b)), ":") {
		if id == "" || strings.ContainsAny(id, "/.") {
			return nil, fmt.Errorf("unexpected parent %q in %s/lower-layers", id, dir)
		}
		out = append(out, filepath.Join(home, id, "diff"))
	}
	return out, nil
}
