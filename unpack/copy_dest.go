package unpack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// nodeKind is the type of one filesystem object written into a destination root.
type nodeKind int

const (
	kindDir nodeKind = iota
	kindFile
	kindSymlink
	kindHardlink
	kindFifo
)

// node is one filesystem object to create in a destination root, with the
// metadata to give it. Both COPY (from a source tree) and ADD (from a tar)
// describe what they write as nodes, so containment lives in one place.
type node struct {
	kind   nodeKind
	mode   uint32 // permission bits including setuid, setgid and sticky
	uid    int
	gid    int
	atime  time.Time
	mtime  time.Time
	target string // symlink: the link text; hardlink: a path inside the root
	xattrs map[string][]byte
}

// pendingDir is a directory whose mode and times are set only after its
// children are written: writing children changes the mtime, and a read-only
// mode would stop a non-root writer from creating them.
type pendingDir struct {
	path  string
	mode  uint32
	atime time.Time
	mtime time.Time
}

// destWriter creates nodes inside a root directory. Every path is resolved
// with RESOLVE_IN_ROOT semantics (pathrs-lite, openat2 where available), so a
// symlink in the root — even an absolute one — resolves inside the root, and
// the final component is always created with *at calls that never follow it.
type destWriter struct {
	ctx      context.Context // stops long writes (set by the caller)
	root     *os.File        // O_PATH handle on the root
	dirOwner Owner           // owner of directories created implicitly
	tolerant bool            // ignore chown failures (single-id user namespace)

	parentPath string   // cached handle for the most recent parent directory
	parent     *os.File //
	stale      bool     // the cached handle may no longer be what parentPath resolves to
	dirs       []pendingDir
}

func openDest(root string, dirOwner Owner) (*destWriter, error) {
	h, err := os.OpenFile(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening destination root: %w", err)
	}
	return &destWriter{ctx: context.Background(), root: h, dirOwner: dirOwner, tolerant: chownTolerant()}, nil
}

// Close releases the handles; it does not apply pending directory metadata.
func (w *destWriter) Close() error {
	w.forgetParent()
	return w.root.Close()
}

func (w *destWriter) forgetParent() {
	if w.parent != nil {
		w.parent.Close()
		w.parent, w.parentPath = nil, ""
	}
}

// parentDir returns an O_PATH handle on directory p (absolute inside the root),
// creating missing directories owned by w.dirOwner. The handle stays owned by w.
func (w *destWriter) parentDir(p string) (*os.File, error) {
	if w.parent != nil && w.parentPath == p {
		return w.parent, nil
	}
	w.forgetParent()
	h, err := w.mkdirAll(p, w.dirOwner)
	if err != nil {
		return nil, err
	}
	w.parent, w.parentPath = h, p
	return h, nil
}

// maxLinkHops bounds dangling-symlink chasing in mkdirAll, like SYMLOOP_MAX.
const maxLinkHops = 40

// mkdirAll returns a handle on directory p inside the root, creating each
// missing component with mode 0755 and the given owner. A dangling symlink on
// the way has its target created inside the root, as BuildKit does.
func (w *destWriter) mkdirAll(p string, owner Owner) (*os.File, error) {
	return w.mkdirAllHops(p, owner, 0)
}

func (w *destWriter) mkdirAllHops(p string, owner Owner, hops int) (*os.File, error) {
	p = filepath.Clean("/" + p)
	h, err := pathrs.OpenatInRoot(w.root, p)
	if err == nil {
		return requireDir(h, p)
	}
	if !errors.Is(err, os.ErrNotExist) || p == "/" {
		return nil, fmt.Errorf("resolving %q in the destination: %w", p, err)
	}
	parent, err := w.mkdirAllHops(filepath.Dir(p), owner, hops)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	name := filepath.Base(p)
	pfd := int(parent.Fd())
	err = unix.Mkdirat(pfd, name, 0o755)
	if errors.Is(err, unix.EEXIST) {
		return w.mkdirThroughLink(pfd, name, p, owner, hops)
	}
	if err != nil {
		return nil, fmt.Errorf("creating directory %q: %w", p, err)
	}
	// The umask must not decide the mode of directories we create.
	if err := unix.Fchmodat(pfd, name, 0o755, 0); err != nil {
		return nil, fmt.Errorf("setting mode of %q: %w", p, err)
	}
	if err := w.chownAt(pfd, name, owner.UID, owner.GID); err != nil {
		return nil, fmt.Errorf("setting owner of %q: %w", p, err)
	}
	h, err = pathrs.OpenatInRoot(w.root, p)
	if err != nil {
		return nil, fmt.Errorf("creating directory %q: %w", p, err)
	}
	return requireDir(h, p)
}

// mkdirThroughLink handles an existing name that did not resolve: a dangling
// symlink, whose target is created as a directory inside the root.
func (w *destWriter) mkdirThroughLink(pfd int, name, p string, owner Owner, hops int) (*os.File, error) {
	if h, err := pathrs.OpenatInRoot(w.root, p); err == nil {
		return requireDir(h, p) // created concurrently, or a link that resolves now
	}
	target, err := readlinkat(pfd, name)
	if err != nil {
		return nil, fmt.Errorf("%q exists in the destination and is not a directory", p)
	}
	if hops >= maxLinkHops {
		return nil, fmt.Errorf("creating directory %q: too many levels of symbolic links", p)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(p), target)
	}
	h, err := w.mkdirAllHops(target, owner, hops+1)
	if err != nil {
		return nil, err
	}
	h.Close()
	if h, err = pathrs.OpenatInRoot(w.root, p); err != nil {
		return nil, fmt.Errorf("creating directory %q: %w", p, err)
	}
	return requireDir(h, p)
}

func readlinkat(pfd int, name string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(pfd, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func requireDir(h *os.File, p string) (*os.File, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(h.Fd()), &st); err != nil {
		h.Close()
		return nil, fmt.Errorf("inspecting %q: %w", p, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		h.Close()
		return nil, fmt.Errorf("%q exists in the destination and is not a directory", p)
	}
	return h, nil
}

// isDir reports whether p exists in the root (following symlinks inside it)
// and is a directory.
func (w *destWriter) isDir(p string) bool {
	h, err := pathrs.OpenatInRoot(w.root, filepath.Clean("/"+p))
	if err != nil {
		return false
	}
	defer h.Close()
	var st unix.Stat_t
	return unix.Fstat(int(h.Fd()), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

// create writes n at p (absolute inside the root). content is read for files.
func (w *destWriter) create(p string, n node, content io.Reader) error {
	p = filepath.Clean("/" + p)
	if p == "/" {
		if n.kind == kindDir {
			return nil // the root itself: existing directories keep their metadata
		}
		return errors.New("cannot replace the destination root with a non-directory")
	}
	parent, err := w.parentDir(filepath.Dir(p))
	if err != nil {
		return err
	}
	pfd, name := int(parent.Fd()), filepath.Base(p)
	defer func() {
		if w.stale {
			w.forgetParent()
			w.stale = false
		}
	}()
	switch n.kind {
	case kindDir:
		return w.createDir(pfd, name, p, n)
	case kindFile:
		return w.createFile(pfd, name, p, n, content)
	case kindSymlink:
		return w.createSymlink(pfd, name, p, n)
	case kindHardlink:
		return w.createHardlink(pfd, name, p, n)
	case kindFifo:
		return w.createFifo(pfd, name, p, n)
	}
	return fmt.Errorf("unsupported file type for %q", p)
}

// makeRoom removes a non-directory at name so a new entry can take its place.
// Replacing a directory is refused rather than deleting a whole tree.
func (w *destWriter) makeRoom(pfd int, name, p string) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspecting %q: %w", p, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return fmt.Errorf("cannot replace directory %q with a non-directory; remove it first", p)
	}
	// A removed symlink may have been how a cached parent was reached.
	w.stale = true
	if err := unix.Unlinkat(pfd, name, 0); err != nil {
		return fmt.Errorf("replacing %q: %w", p, err)
	}
	return nil
}

func (w *destWriter) createDir(pfd int, name, p string, n node) error {
	err := unix.Mkdirat(pfd, name, 0o700)
	if errors.Is(err, unix.EEXIST) {
		if w.isDir(p) {
			return nil // merge into an existing directory (or a symlink to one)
		}
		if err := w.makeRoom(pfd, name, p); err != nil {
			return err
		}
		err = unix.Mkdirat(pfd, name, 0o700)
	}
	if err != nil {
		return fmt.Errorf("creating directory %q: %w", p, err)
	}
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening directory %q: %w", p, err)
	}
	defer unix.Close(fd)
	if err := w.chownFd(fd, n.uid, n.gid); err != nil {
		return fmt.Errorf("setting owner of %q: %w", p, err)
	}
	if err := setXattrs(fd, n.xattrs); err != nil {
		return fmt.Errorf("setting extended attributes of %q: %w", p, err)
	}
	if err := recordInImage(fd, n); err != nil {
		return fmt.Errorf("%q: %w", p, err)
	}
	w.dirs = append(w.dirs, pendingDir{path: p, mode: n.mode, atime: n.atime, mtime: n.mtime})
	return nil
}

func (w *destWriter) createFile(pfd int, name, p string, n node, content io.Reader) error {
	if err := w.makeRoom(pfd, name, p); err != nil {
		return err
	}
	fd, err := unix.Openat(pfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("creating %q: %w", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	if content != nil {
		// *os.File to *os.File takes the copy_file_range path.
		if _, err := copyData(w.ctx, f, content); err != nil {
			return fmt.Errorf("writing %q: %w", p, err)
		}
	}
	// Order matters: chown clears setuid bits and file capabilities.
	if err := w.chownFd(fd, n.uid, n.gid); err != nil {
		return fmt.Errorf("setting owner of %q: %w", p, err)
	}
	if err := unix.Fchmod(fd, n.mode); err != nil {
		return fmt.Errorf("setting mode of %q: %w", p, err)
	}
	if err := setXattrs(fd, n.xattrs); err != nil {
		return fmt.Errorf("setting extended attributes of %q: %w", p, err)
	}
	if err := recordInImage(fd, n); err != nil {
		return fmt.Errorf("%q: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	return setTimesAt(pfd, name, p, n.atime, n.mtime)
}

func (w *destWriter) createSymlink(pfd int, name, p string, n node) error {
	if err := w.makeRoom(pfd, name, p); err != nil {
		return err
	}
	w.stale = true
	if err := unix.Symlinkat(n.target, pfd, name); err != nil {
		return fmt.Errorf("creating symlink %q: %w", p, err)
	}
	if err := w.chownAt(pfd, name, n.uid, n.gid); err != nil {
		return fmt.Errorf("setting owner of %q: %w", p, err)
	}
	return setTimesAt(pfd, name, p, n.atime, n.mtime)
}

// createHardlink links p to n.target, an existing path inside the root whose
// parent is resolved inside the root and whose last component is not followed.
func (w *destWriter) createHardlink(pfd int, name, p string, n node) error {
	target := filepath.Clean("/" + n.target)
	tdir, err := pathrs.OpenatInRoot(w.root, filepath.Dir(target))
	if err != nil {
		return fmt.Errorf("hard link %q: resolving target %q: %w", p, target, err)
	}
	defer tdir.Close()
	if err := w.makeRoom(pfd, name, p); err != nil {
		return err
	}
	if err := unix.Linkat(int(tdir.Fd()), filepath.Base(target), pfd, name, 0); err != nil {
		return fmt.Errorf("creating hard link %q to %q: %w", p, target, err)
	}
	return nil
}

func (w *destWriter) createFifo(pfd int, name, p string, n node) error {
	if err := w.makeRoom(pfd, name, p); err != nil {
		return err
	}
	if err := unix.Mknodat(pfd, name, unix.S_IFIFO|0o600, 0); err != nil {
		return fmt.Errorf("creating fifo %q: %w", p, err)
	}
	if err := w.chownAt(pfd, name, n.uid, n.gid); err != nil {
		return fmt.Errorf("setting owner of %q: %w", p, err)
	}
	// We just created name as a fifo, so following it cannot lead elsewhere.
	if err := unix.Fchmodat(pfd, name, n.mode, 0); err != nil {
		return fmt.Errorf("setting mode of %q: %w", p, err)
	}
	return setTimesAt(pfd, name, p, n.atime, n.mtime)
}

// finish applies the deferred modes and times of created directories, deepest
// first so that setting a child does not disturb its parent's mtime.
func (w *destWriter) finish() error {
	w.forgetParent()
	for i := len(w.dirs) - 1; i >= 0; i-- {
		d := w.dirs[i]
		parent, err := pathrs.OpenatInRoot(w.root, filepath.Dir(d.path))
		if err != nil {
			return fmt.Errorf("resolving %q: %w", d.path, err)
		}
		err = setDirMeta(int(parent.Fd()), filepath.Base(d.path), d)
		parent.Close()
		if err != nil {
			return err
		}
	}
	w.dirs = nil
	return nil
}

func setDirMeta(pfd int, name string, d pendingDir) error {
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening directory %q: %w", d.path, err)
	}
	err = unix.Fchmod(fd, d.mode)
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("setting mode of %q: %w", d.path, err)
	}
	return setTimesAt(pfd, name, d.path, d.atime, d.mtime)
}
