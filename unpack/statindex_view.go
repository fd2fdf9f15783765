package unpack

import (
	"encoding/binary"
	"sort"

	"golang.org/x/sys/unix"
)

// statView is the loaded index: its records in the file's own form, sorted
// by file, mapped read-only from the index file rather than decoded into
// the heap. The 72 bytes a file are then page cache the kernel can drop
// and reread, not heap the garbage collector doubles before it collects
// (a 100,000-file index held 7 MB live through the whole build, and the
// heap grew to twice that). The file is only ever replaced by a rename,
// never written in place, so a mapping stays valid however often other
// builds save. The zero statView is an empty index.
type statView struct {
	recs   []byte // len is a multiple of statRecord
	mapped []byte // the whole mapping to unmap; nil when recs is on the heap
}

func (v statView) len() int { return len(v.recs) / statRecord }

func (v statView) id(i int) fileID {
	b := v.recs[i*statRecord:]
	le := binary.LittleEndian
	return fileID{le.Uint64(b), le.Uint64(b[8:])}
}

func (v statView) rec(i int) statRec {
	var r statRec
	decodeStatRec(&r, v.recs[i*statRecord:(i+1)*statRecord])
	return r
}

// find returns the index of id's record, and whether there is one.
func (v statView) find(id fileID) (int, bool) {
	n := v.len()
	i := sort.Search(n, func(i int) bool { return cmpID(v.id(i), id) >= 0 })
	return i, i < n && v.id(i) == id
}

// sorted says whether the records are in the order find needs.
func (v statView) sorted() bool {
	for i := 1; i < v.len(); i++ {
		if cmpID(v.id(i-1), v.id(i)) > 0 {
			return false
		}
	}
	return true
}

func (v *statView) close() {
	if v.mapped != nil {
		_ = unix.Munmap(v.mapped)
	}
	*v = statView{}
}

func decodeStatRec(r *statRec, b []byte) {
	le := binary.LittleEndian
	r.id = fileID{le.Uint64(b), le.Uint64(b[8:])}
	r.size, r.mtime, r.ctime = int64(le.Uint64(b[16:])), int64(le.Uint64(b[24:])), int64(le.Uint64(b[32:]))
	copy(r.sum[:], b[40:statRecord])
}

func encodeStatRec(b []byte, r statRec) {
	le := binary.LittleEndian
	le.PutUint64(b, r.id.dev)
	le.PutUint64(b[8:], r.id.ino)
	le.PutUint64(b[16:], uint64(r.size))
	le.PutUint64(b[24:], uint64(r.mtime))
	le.PutUint64(b[32:], uint64(r.ctime))
	copy(b[40:], r.sum[:])
}
