package unpack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// CopySpec describes one COPY or ADD of local files, following Docker's
// documented rules (BuildKit is the reference). Every path inside SrcRoot and
// DstRoot is resolved as if that directory were "/".
type CopySpec struct {
	SrcRoot     string       // build context dir, or the --from rootfs
	Sources     []string     // as written in the Dockerfile (relative to SrcRoot; globs allowed)
	Excludes    []string     // .dockerignore patterns (context only), nil otherwise
	DstRoot     string       // destination rootfs
	Dest        string       // destination as written, already joined with WORKDIR; a trailing "/" means a directory
	Chown       *Owner       // nil: context files become 0:0, --from files keep their owner
	FromContext bool         // sources come from the build context
	Chmod       *os.FileMode // applied to copied files and directories; both os.ModeSetuid and 0o4000 forms are accepted
	Extract     bool         // ADD: extract local archives (tar, gz, bz2, xz, zstd) instead of copying them

	// COPY/ADD --exclude and --parents (issue 12).
	SourceExcludes []string // --exclude patterns, matched below each source (not from SrcRoot), apart from Excludes
	Parents        bool     // --parents: keep each source's path (after a "/./" pivot) under Dest

	// Linear at scale (issue 11): Digest reuses file digests by stat.
	Digests *StatIndex // nil: Digest reads every file
}

// Owner is a numeric owner inside the destination image.
type Owner struct{ UID, GID int }

// errMultiNeedsDir is Docker's wording, which users search for.
var errMultiNeedsDir = errors.New("When using COPY with more than one source file, the destination must be a directory and end with a /")

// Copy copies spec.Sources into spec.DstRoot at spec.Dest. Errors are plain
// sentences naming the source; the caller adds the Dockerfile position.
func Copy(spec CopySpec) error {
	return CopyContext(context.Background(), spec)
}

// CopyContext is Copy that stops, with ctx.Err(), soon after ctx ends: a
// Ctrl-C during a COPY of gigabytes must not wait for the last byte.
func CopyContext(ctx context.Context, spec CopySpec) error {
	src, err := openSources(spec)
	if err != nil {
		return err
	}
	defer src.Close()
	ms, err := src.matches(spec.Sources)
	if err != nil {
		return err
	}
	wantDir := destNamesDir(spec.Dest)
	if len(ms) > 1 && !wantDir {
		return errMultiNeedsDir
	}
	w, err := openDest(spec.DstRoot, spec.dirOwner())
	if err != nil {
		return err
	}
	defer w.Close()
	w.ctx = ctx
	c := &copier{ctx: ctx, spec: spec, src: src, w: w}
	c.plan = newPlanner(src, c.writeItem)
	dest := filepath.Clean("/" + spec.Dest)
	intoDir := wantDir || w.isDir(dest)
	for i, m := range ms {
		if m.parents != "" {
			// --parents: the source's own path, below the pivot, names where it goes.
			if err := c.copyMatch(i, m, filepath.Join(dest, m.parents), false); err != nil {
				return err
			}
			continue
		}
		if err := c.copyMatch(i, m, dest, intoDir); err != nil {
			return err
		}
	}
	return w.finish()
}

// destNamesDir reports whether the destination as written is a directory.
func destNamesDir(dest string) bool {
	return dest == "" || dest == "." || strings.HasSuffix(dest, "/") || strings.HasSuffix(dest, "/.")
}

// dirOwner owns directories Copy creates: the --chown owner, else root.
func (spec CopySpec) dirOwner() Owner {
	if spec.Chown != nil {
		return *spec.Chown
	}
	return Owner{}
}

type copier struct {
	ctx  context.Context
	spec CopySpec
	src  *sourceTree
	w    *destWriter
	plan *planner
}

func (c *copier) copyMatch(idx int, m match, dest string, intoDir bool) error {
	if m.info.IsDir() {
		if err := c.ensureDir(dest); err != nil {
			return err
		}
		return c.plan.addTree(idx, m, dest)
	}
	if c.spec.Extract && m.info.Mode().IsRegular() {
		extracted, err := c.extractIfArchive(m, dest)
		if extracted || err != nil {
			return err
		}
	}
	dst := dest
	if intoDir {
		dst = filepath.Join(dest, m.name)
	}
	if err := c.ensureDir(filepath.Dir(dst)); err != nil {
		return err
	}
	return c.plan.addFile(idx, m, dst)
}

// ensureDir creates dir if missing: its missing parents owned by root, dir
// itself by the --chown owner (BuildKit's behaviour).
func (c *copier) ensureDir(dir string) error {
	if dir != "/" {
		h, err := c.w.mkdirAll(filepath.Dir(dir), Owner{})
		if err != nil {
			return err
		}
		h.Close()
	}
	h, err := c.w.mkdirAll(dir, c.spec.dirOwner())
	if err != nil {
		return err
	}
	return h.Close()
}

// writeItem writes one planned item, unless the copy was cancelled.
func (c *copier) writeItem(it item) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	return c.write(it)
}

func (c *copier) write(it item) error {
	n := c.nodeFor(it)
	switch it.kind {
	case kindHardlink:
		n.target = it.link
	case kindSymlink:
		target, err := c.src.root.Readlink(it.src)
		if err != nil {
			return fmt.Errorf("reading symlink %s: %w", it.src, err)
		}
		n.target = target
	case kindDir, kindFile:
		f, err := c.src.openItem(it)
		if err != nil {
			return err
		}
		defer f.Close()
		if n.xattrs, err = readXattrs(int(f.Fd())); err != nil {
			return fmt.Errorf("%s: %w", it.src, err)
		}
		inImageNode(&n, c.spec.FromContext, c.spec.Chown != nil, c.spec.Chmod != nil)
		if it.kind == kindFile {
			return c.w.create(it.dst, n, f)
		}
	}
	return c.w.create(it.dst, n, nil)
}

// nodeFor applies the ownership and mode rules to one source item.
func (c *copier) nodeFor(it item) node {
	uid, gid := int(it.st.Uid), int(it.st.Gid)
	switch {
	case c.spec.Chown != nil:
		uid, gid = c.spec.Chown.UID, c.spec.Chown.GID
	case c.spec.FromContext:
		uid, gid = 0, 0
	}
	mode := it.st.Mode & 0o7777
	if c.spec.Chmod != nil && it.kind != kindSymlink {
		mode = unixMode(*c.spec.Chmod)
	}
	return node{
		kind: it.kind, mode: mode, uid: uid, gid: gid,
		atime: timespec(it.st.Atim), mtime: timespec(it.st.Mtim),
	}
}

// copyChunk is how much file data is copied between two looks at the
// context; big enough that the copy_file_range fast path stays fast.
const copyChunk = 64 << 20

// zeroCopyFrom is the size from which a file to file copy tries the
// kernel's copy_file_range. Below it, and whenever the destination is not
// a file, the data goes through one pooled buffer: os.File's fallback
// when copy_file_range refuses (across filesystems, overlay) and io.Copy
// both allocate 32 KiB a call, 6 GB of garbage for 100,000 small files
// digested and copied, which the heap grows to absorb.
const zeroCopyFrom = 1 << 20

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyData copies src to dst a chunk at a time, stopping when ctx ends.
// Between files of zeroCopyFrom bytes or more, io.CopyN keeps os.File's
// zero-copy path: it hands dst an *io.LimitedReader, which
// (*os.File).ReadFrom sees through.
func copyData(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	step := func(dst io.Writer, src io.Reader) (int64, error) { return io.CopyN(dst, src, copyChunk) }
	if !zeroCopyWorth(dst, src) {
		buf := copyBufs.Get().(*[]byte)
		defer copyBufs.Put(buf)
		w := struct{ io.Writer }{dst} // hides ReadFrom, so buf is used
		step = func(_ io.Writer, src io.Reader) (int64, error) {
			return io.CopyBuffer(w, &io.LimitedReader{R: src, N: copyChunk}, *buf)
		}
	}
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := step(dst, src)
		total += n
		if err == nil && n < copyChunk {
			return total, nil // io.CopyBuffer: the end of src
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// zeroCopyWorth reports whether dst and src are files and src is big
// enough for copy_file_range to pay for the allocation when it refuses.
func zeroCopyWorth(dst io.Writer, src io.Reader) bool {
	_, ok := dst.(*os.File)
	f, ok2 := src.(*os.File)
	if !ok || !ok2 {
		return false
	}
	var st unix.Stat_t
	return unix.Fstat(int(f.Fd()), &st) == nil && st.Size >= zeroCopyFrom
}

// unixMode converts a --chmod value, accepting both os.FileMode's setuid
// flags and the raw octal bits a caller may have parsed from "4755".
func unixMode(m os.FileMode) uint32 {
	mode := uint32(m) & 0o7777
	if m&os.ModeSetuid != 0 {
		mode |= unix.S_ISUID
	}
	if m&os.ModeSetgid != 0 {
		mode |= unix.S_ISGID
	}
	if m&os.ModeSticky != 0 {
		mode |= unix.S_ISVTX
	}
	return mode
}

func timespec(ts unix.Timespec) time.Time {
	return time.Unix(ts.Sec, ts.Nsec)
}
