package unpack

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// The stat index file: magic, count, fixed-size records and a trailing
// sha256 of all that precedes it, so a torn or scribbled file is refused
// whole. Records are written sorted by file; an older file written in any
// order is sorted when read. In memory the index is the same records in one
// slice (72 bytes a file), searched by binary search: no map, no per-file
// allocation, so 100,000 files cost 7 MB however often they are looked up.

var statMagic = [8]byte{'s', 'b', 's', 't', 'a', 't', '0', '1'}

const (
	statHead   = len(statMagic) + 8
	statRecord = 5*8 + sha256.Size // dev, ino, size, mtime, ctime, then the sum
)

// statRec is one file's entry.
type statRec struct {
	id fileID
	statEntry
}

func cmpID(a, b fileID) int {
	if c := cmp.Compare(a.dev, b.dev); c != 0 {
		return c
	}
	return cmp.Compare(a.ino, b.ino)
}

func cmpRec(a, b statRec) int { return cmpID(a.id, b.id) }

// findRec returns the index of id in recs (sorted), and whether it is there.
func findRec(recs []statRec, id fileID) (int, bool) {
	return slices.BinarySearchFunc(recs, id, func(r statRec, id fileID) int { return cmpID(r.id, id) })
}

// fileStamp tells one version of the index file from another: every save
// renames a new file into place.
type fileStamp struct {
	ino          uint64
	size         int64
	mtime, ctime int64
}

func stampOf(st *unix.Stat_t) fileStamp {
	return fileStamp{ino: st.Ino, size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}

// readStatIndex reads the index at path and the stamp of the file read; a
// missing or bad file is an empty index.
func readStatIndex(path string) ([]statRec, fileStamp) {
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			logrus.Debugf("stat index %s: %v; starting empty", path, err)
		}
		return nil, fileStamp{}
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		logrus.Debugf("stat index %s: %v; starting empty", path, err)
		return nil, fileStamp{}
	}
	recs, err := decodeStatIndex(f, st.Size)
	if err != nil {
		logrus.Debugf("stat index %s: %v; starting empty", path, err)
		return nil, stampOf(&st)
	}
	return recs, stampOf(&st)
}

// decodeStatIndex streams size bytes of r into sorted records, checking
// the checksum as it goes: the file's bytes are never held whole.
func decodeStatIndex(r io.Reader, size int64) ([]statRec, error) {
	le := binary.LittleEndian
	br := bufio.NewReader(r)
	var head [statHead]byte
	if _, err := io.ReadFull(br, head[:]); err != nil || !bytes.Equal(head[:len(statMagic)], statMagic[:]) {
		return nil, errors.New("not a stat index")
	}
	n := le.Uint64(head[len(statMagic):])
	if n > maxStatEntries*2 || uint64(size) != uint64(statHead)+n*statRecord+sha256.Size {
		return nil, errors.New("truncated or oversized")
	}
	h := sha256.New()
	h.Write(head[:])
	recs := make([]statRec, n)
	var b [statRecord]byte
	for i := range recs {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, errors.New("truncated")
		}
		h.Write(b[:])
		r := &recs[i]
		r.id = fileID{le.Uint64(b[:]), le.Uint64(b[8:])}
		r.size, r.mtime, r.ctime = int64(le.Uint64(b[16:])), int64(le.Uint64(b[24:])), int64(le.Uint64(b[32:]))
		copy(r.sum[:], b[40:])
	}
	var sum [sha256.Size]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil || !bytes.Equal(sum[:], h.Sum(nil)) {
		return nil, errors.New("checksum mismatch")
	}
	if !slices.IsSortedFunc(recs, cmpRec) {
		slices.SortFunc(recs, cmpRec)
	}
	return recs, nil
}

// encodeStatIndex streams recs to w in the file's form.
func encodeStatIndex(w io.Writer, recs []statRec) error {
	le := binary.LittleEndian
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	var b [statRecord]byte
	bw.Write(statMagic[:])
	bw.Write(le.AppendUint64(b[:0], uint64(len(recs))))
	for _, r := range recs {
		le.PutUint64(b[:], r.id.dev)
		le.PutUint64(b[8:], r.id.ino)
		le.PutUint64(b[16:], uint64(r.size))
		le.PutUint64(b[24:], uint64(r.mtime))
		le.PutUint64(b[32:], uint64(r.ctime))
		copy(b[40:], r.sum[:])
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

// writeRename replaces path with what write writes, so a reader sees the
// old or the new content whole. There is no fsync: a file torn by a crash
// fails the checksum and reads as empty, which costs one rehash, not a
// wrong digest.
func writeRename(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
