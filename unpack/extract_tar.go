package unpack

import (
	"archive/tar"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
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
}

func (x *extractor) extract(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
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
