package unpack

import (
	"archive/tar"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// extractor writes the entries of one tar stream into directory dest of a
// destination root. Names are made relative to dest; names that climb out of
// it are refused; every parent is resolved inside the root, so an entry
// cannot be written through a symlink planted by an earlier entry to a place
// outside the root. Whiteout files are ordinary files here: ADD extracts an
// archive, it does not apply a layer.
type extractor struct {
	w     *destWriter
	dest  string
	chown *Owner
	room  int64 // bytes the destination's filesystem has free; < 0: unknown
	total int64 // bytes the archive's files declared so far
}

func (x *extractor) extract(r io.Reader) error {
	x.room = freeSpace(x.w.root)
	tr := tar.NewReader(r)
	for {
		if err := x.w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading archive: %w", err)
		}
		if err := x.entry(tr, hdr); err != nil {
			return err
		}
	}
}

// entryPath makes an archive name relative to the extraction directory:
// absolute names are taken relative to it, names that climb above it are an
// error. "" is the extraction directory itself.
func entryPath(name string) (string, error) {
	p := filepath.Clean(name)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("archive entry %q points outside the destination; the archive is unsafe", name)
	}
	return strings.TrimPrefix(filepath.Clean("/"+p), "/"), nil
}

func (x *extractor) entry(tr *tar.Reader, hdr *tar.Header) error {
	rel, err := entryPath(hdr.Name)
	if err != nil {
		return err
	}
	dst := filepath.Join(x.dest, rel)
	n := node{
		mode: uint32(hdr.Mode) & 0o7777, uid: hdr.Uid, gid: hdr.Gid,
		atime: hdr.AccessTime, mtime: hdr.ModTime, xattrs: paxXattrs(hdr),
	}
	if x.chown != nil {
		n.uid, n.gid = x.chown.UID, x.chown.GID
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		if err := x.reserve(hdr); err != nil {
			return err
		}
		n.kind = kindFile
		return x.w.create(dst, n, tr)
	case tar.TypeDir:
		n.kind = kindDir
	case tar.TypeSymlink:
		n.kind, n.target = kindSymlink, hdr.Linkname
	case tar.TypeLink:
		target, err := entryPath(hdr.Linkname)
		if err != nil {
			return fmt.Errorf("hard link %q: %w", hdr.Name, err)
		}
		n.kind, n.target = kindHardlink, filepath.Join(x.dest, target)
	case tar.TypeFifo:
		n.kind = kindFifo
	default:
		// Device nodes need privileges a rootless build lacks; other types
		// (global headers, GNU volume labels) carry no file.
		logrus.Debugf("ADD: skipping archive entry %q of type %q", hdr.Name, hdr.Typeflag)
		return nil
	}
	return x.w.create(dst, n, nil)
}

// paxXattrs returns the extended attributes recorded in PAX records.
func paxXattrs(hdr *tar.Header) map[string][]byte {
	const prefix = "SCHILY.xattr."
	var out map[string][]byte
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			if out == nil {
				out = map[string][]byte{}
			}
			out[name] = []byte(v)
		}
	}
	return out
}

// reserve refuses an entry that would take the archive's files beyond the
// free space of the destination. A tiny archive can declare terabytes: a
// sparse entry is all holes, a compressed one all zeros. Extraction writes
// every byte (and the layer commit would read them all back), so without
// this check a hostile archive fills the disk before failing.
func (x *extractor) reserve(hdr *tar.Header) error {
	x.total += hdr.Size
	if x.room >= 0 && (hdr.Size > x.room || x.total > x.room) {
		return fmt.Errorf("archive entry %q brings its files to %s, more than the %s free where the layer is written",
			hdr.Name, byteSize(x.total), byteSize(x.room))
	}
	return nil
}

// freeSpace is what an unprivileged writer may still use on the
// filesystem holding dir (overlay reports its upper layer's), or -1.
func freeSpace(dir *os.File) int64 {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(dir.Fd()), &st); err != nil || st.Bsize <= 0 {
		return -1
	}
	free := st.Bavail * uint64(st.Bsize)
	if free > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(free)
}

// byteSize is n in binary units for messages: "1.0 TiB", "300.0 MiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
