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
	"iter"
	"os"
	"path/filepath"
	"slices"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// The stat index file: magic, count, fixed-size records and a trailing
// sha256 of all that precedes it, so a torn or scribbled file is refused
// whole. Records are written sorted by file; an older file written in any
// order is sorted when read. The loaded index is the file itself, mapped
// (statView), searched by binary search: no map, no per-file allocation,
// and no heap for the files a build finds there.

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

// readStatIndex maps the index at path and returns it with the stamp of
// the file read; a missing or bad file is an empty index.
func readStatIndex(path string) (statView, fileStamp) {
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			logrus.Debugf("stat index %s: %v; starting empty", path, err)
		}
		return statView{}, fileStamp{}
	}
	defer f.Close() // the mapping outlives the descriptor
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		logrus.Debugf("stat index %s: %v; starting empty", path, err)
		return statView{}, fileStamp{}
	}
	v, err := mapStatIndex(f, st.Size)
	if err != nil {
		logrus.Debugf("stat index %s: %v; starting empty", path, err)
		return statView{}, stampOf(&st)
	}
	return v, stampOf(&st)
}

// mapStatIndex maps the size bytes of f and checks them whole (header,
// size, checksum) before any record is trusted. A file whose records are
// not sorted (written before they were) is sorted into a copy on the heap;
// the next save writes it sorted.
func mapStatIndex(f *os.File, size int64) (statView, error) {
	if size < int64(statHead+sha256.Size) || size > int64(statHead+sha256.Size+2*maxStatEntries*statRecord) {
		return statView{}, errors.New("not a stat index")
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return statView{}, err
	}
	v := statView{mapped: data}
	if err := checkStatIndex(data); err != nil {
		v.close()
		return statView{}, err
	}
	v.recs = data[statHead : len(data)-sha256.Size]
	if v.sorted() {
		return v, nil
	}
	recs := make([]statRec, v.len())
	for i := range recs {
		recs[i] = v.rec(i)
	}
	v.close()
	slices.SortFunc(recs, cmpRec)
	out := make([]byte, len(recs)*statRecord)
	for i, r := range recs {
		encodeStatRec(out[i*statRecord:], r)
	}
	return statView{recs: out}, nil
}

// checkStatIndex checks a whole index file's magic, count and checksum.
func checkStatIndex(data []byte) error {
	if !bytes.Equal(data[:len(statMagic)], statMagic[:]) {
		return errors.New("not a stat index")
	}
	n := binary.LittleEndian.Uint64(data[len(statMagic):])
	if uint64(len(data)) != uint64(statHead)+n*statRecord+sha256.Size {
		return errors.New("truncated or oversized")
	}
	body := data[:len(data)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(body):]) {
		return errors.New("checksum mismatch")
	}
	return nil
}

// encodeStatIndex streams the n records recs yields to w in the file's form
// (the ints, as mergedRecs yields them, are ignored).
func encodeStatIndex(w io.Writer, n int, recs iter.Seq2[int, statRec]) error {
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	var b [statRecord]byte
	bw.Write(statMagic[:])
	bw.Write(binary.LittleEndian.AppendUint64(b[:0], uint64(n)))
	for _, r := range recs {
		encodeStatRec(b[:], r)
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

// mergedRecs yields, sorted by file, the records of base that keep accepts,
// each with its index in base, and every record of fresh (sorted too), with
// -1; fresh's wins for a file both have.
func mergedRecs(base statView, keep func(int) bool, fresh []statRec) iter.Seq2[int, statRec] {
	return func(yield func(int, statRec) bool) {
		j := 0
		for i := 0; i < base.len(); i++ {
			id := base.id(i)
			for ; j < len(fresh) && cmpID(fresh[j].id, id) < 0; j++ {
				if !yield(-1, fresh[j]) {
					return
				}
			}
			if j < len(fresh) && fresh[j].id == id || !keep(i) {
				continue
			}
			if !yield(i, base.rec(i)) {
				return
			}
		}
		for ; j < len(fresh); j++ {
			if !yield(-1, fresh[j]) {
				return
			}
		}
	}
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
