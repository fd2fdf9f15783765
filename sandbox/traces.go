package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// A bind mount onto a path missing from the rootfs makes libcontainer create
// an empty file or directory there, which would end up in the layer. traces
// records, before the run, which mount targets do not exist yet, and after
// the run removes whatever of them is still empty, restoring the mtime of
// the directory they were created in. Paths are kept relative to the rootfs
// and re-resolved inside it at removal, because the RUN may have replaced a
// component with a symlink that points anywhere.
type traces struct {
	rootfs string
	chains []createdChain
}

// createdChain is the run of path components (outermost first) that did
// not exist, and the times of the existing directory that holds the first.
type createdChain struct {
	paths        []string
	parent       string
	atime, mtime unix.Timespec
}

// recordMissing notes the components of dst (a path inside rootfs) that
// do not exist yet. Symlinks in the existing part are resolved inside the
// rootfs first, as libcontainer does, so the recorded paths are the ones it
// will create.
func (t *traces) recordMissing(dst string) error {
	full, err := securejoin.SecureJoin(t.rootfs, dst)
	if err != nil {
		return fmt.Errorf("resolving %s in the rootfs: %w", dst, err)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(full, t.rootfs), "/")
	if rel == "" {
		return nil
	}
	comps := strings.Split(rel, "/")
	parent := "/"
	for i := range comps {
		cur := "/" + strings.Join(comps[:i+1], "/")
		_, err := os.Lstat(filepath.Join(t.rootfs, cur))
		if err == nil {
			parent = cur
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checking mount target %s: %w", dst, err)
		}
		return t.addChain(parent, cur, comps[i+1:])
	}
	return nil
}

func (t *traces) addChain(parent, first string, rest []string) error {
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(t.rootfs, parent), &st); err != nil {
		return fmt.Errorf("reading times of %s in the rootfs: %w", parent, err)
	}
	ch := createdChain{parent: parent, atime: st.Atim, mtime: st.Mtim, paths: []string{first}}
	for _, c := range rest {
		ch.paths = append(ch.paths, filepath.Join(ch.paths[len(ch.paths)-1], c))
	}
	t.chains = append(t.chains, ch)
	return nil
}

// cleanup removes recorded paths that are still empty, newest chain first.
func (t *traces) cleanup() error {
	var errs []error
	for i := len(t.chains) - 1; i >= 0; i-- {
		errs = append(errs, t.removeChain(t.chains[i]))
	}
	return errors.Join(errs...)
}

func (t *traces) removeChain(ch createdChain) error {
	for i := len(ch.paths) - 1; i >= 0; i-- {
		removed, err := t.removeIfEmpty(ch.paths[i])
		if err != nil || !removed {
			return err
		}
	}
	return t.restoreTimes(ch)
}

// removeIfEmpty unlinks rel if it is an empty regular file or an empty
// directory and reports whether rel is gone; anything else the RUN put
// there is its output and stays. A path that is already gone (a target
// inside a mount, like /dev/pts, was never created in the rootfs) counts
// as removed.
func (t *traces) removeIfEmpty(rel string) (bool, error) {
	dir, err := pathrs.OpenInRoot(t.rootfs, filepath.Dir(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	} else if err != nil {
		return false, fmt.Errorf("opening %s in the rootfs: %w", filepath.Dir(rel), err)
	}
	defer dir.Close()
	base := filepath.Base(rel)
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), base, &st, unix.AT_SYMLINK_NOFOLLOW); errors.Is(err, unix.ENOENT) {
		return true, nil
	} else if err != nil {
		return false, fmt.Errorf("checking mount target %s in the rootfs: %w", rel, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		if st.Size != 0 {
			return false, nil
		}
		err = unix.Unlinkat(int(dir.Fd()), base, 0)
	case unix.S_IFDIR:
		err = unix.Unlinkat(int(dir.Fd()), base, unix.AT_REMOVEDIR)
		if errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) {
			return false, nil
		}
	default:
		return false, nil
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return false, fmt.Errorf("removing mount target %s from the rootfs: %w", rel, err)
	}
	return true, nil
}

func (t *traces) restoreTimes(ch createdChain) error {
	dir, err := pathrs.OpenInRoot(t.rootfs, ch.parent)
	if err != nil {
		return fmt.Errorf("opening %s in the rootfs: %w", ch.parent, err)
	}
	defer dir.Close()
	proc := fmt.Sprintf("/proc/self/fd/%d", dir.Fd())
	if err := unix.UtimesNano(proc, []unix.Timespec{ch.atime, ch.mtime}); err != nil {
		return fmt.Errorf("restoring the times of %s in the rootfs: %w", ch.parent, err)
	}
	return nil
}
