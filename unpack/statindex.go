package unpack

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// StatIndex remembers the content digest of regular files across builds,
// keyed by what stat says of them: device and inode, size, mtime and
// ctime. A file whose stat matches its entry is not read again, so a
// context of 100,000 files is read once, and a one-file change costs one
// file's hashing. Any write, truncate, chmod, chown or xattr change moves
// the ctime, which nobody can set back, so forcing size and mtime equal is
// still seen; a file that does not match is read and its entry replaced.
//
// The index is one file, replaced by write-and-rename under a lock file, so
// a crash leaves the old or the new index, never a torn one, and builds
// running side by side merge their entries instead of losing them. A
// missing, unreadable or corrupt file is an empty index. A nil *StatIndex
// remembers nothing.
type StatIndex struct {
	path string

	mu      sync.Mutex
	known   statView  // as loaded, sorted by file
	stamp   fileStamp // of the file known was read from
	used    []uint64  // bit i: known's record i matched a file of this process, or it hashed the file
	fresh   freshSet  // hashed by this process, not saved yet
	dirty   bool      // fresh holds something known did not
	misses  int       // files read, for tests and benchmarks
	spillAt int       // fresh entries that make record save them
}

type fileID struct{ dev, ino uint64 }

type statEntry struct {
	size, mtime, ctime int64
	sum                [sha256.Size]byte
}

// racyWindow: a file changed this recently may change again within the
// same timestamp tick without moving its ctime; such files are hashed but
// not remembered (git's "racily clean" entries).
const racyWindow = 100 * time.Millisecond

// maxStatEntries bounds the file (72 bytes an entry); past it only the
// entries this build used are kept.
const maxStatEntries = 1 << 20

// freshSpill is how many new entries a build holds on the heap (72 bytes
// each) before it saves them to the file, which it then maps: a cold build
// of a 100,000-file context holds at most this many, not all of them.
const freshSpill = 16384

// OpenStatIndex loads the index at path; it never fails: an index that
// cannot be read is empty and is rewritten by Save.
func OpenStatIndex(path string) *StatIndex {
	x := &StatIndex{path: path, spillAt: freshSpill}
	x.setKnown(readStatIndex(path))
	return x
}

// setKnown replaces the loaded index with v, read from a file of stamp.
func (x *StatIndex) setKnown(v statView, stamp fileStamp) {
	x.known.close()
	x.known, x.stamp = v, stamp
	x.used = make([]uint64, (v.len()+63)/64)
}

func entryOf(st *unix.Stat_t) (fileID, statEntry) {
	return fileID{uint64(st.Dev), st.Ino}, statEntry{size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}

// lookup returns the remembered digest of the file st describes.
func (x *StatIndex) lookup(st *unix.Stat_t) ([sha256.Size]byte, bool) {
	if x == nil {
		return [sha256.Size]byte{}, false
	}
	id, want := entryOf(st)
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.fresh.get(id); ok {
		return e.sum, sameStat(e, want)
	}
	i, ok := x.known.find(id)
	if !ok {
		return [sha256.Size]byte{}, false
	}
	r := x.known.rec(i)
	if !sameStat(r.statEntry, want) {
		return [sha256.Size]byte{}, false
	}
	x.used[i/64] |= 1 << (i % 64) // kept even when the index is trimmed
	return r.sum, true
}

func sameStat(a, b statEntry) bool {
	return a.size == b.size && a.mtime == b.mtime && a.ctime == b.ctime
}

// record remembers sum for the file st described before it was read at
// readAt, unless the file changed too recently to be trusted.
func (x *StatIndex) record(st *unix.Stat_t, sum [sha256.Size]byte, readAt time.Time) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.misses++
	if readAt.Sub(time.Unix(0, st.Ctim.Nano())) < racyWindow {
		return
	}
	id, e := entryOf(st)
	e.sum = sum
	x.fresh.put(id, e)
	x.dirty = true
	if x.fresh.len() >= x.spillAt {
		x.spill()
	}
}

// spill saves the fresh entries early so the heap holds at most
// freshSpill of them; a failure only keeps them on the heap longer.
func (x *StatIndex) spill() {
	if err := x.saveLocked(); err != nil {
		logrus.Debugf("saving the stat index %s: %v", x.path, err)
		x.spillAt *= 2
		return
	}
	x.dirty = false
}

// Misses says how many files were read rather than found in the index.
func (x *StatIndex) Misses() int {
	if x == nil {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.misses
}

// Save merges what this process learnt into the index file: under the
// lock file it re-reads the index (another build may have saved since),
// adds its entries and renames a new file over the old one.
func (x *StatIndex) Save() error {
	if x == nil {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.dirty {
		return nil
	}
	if err := x.saveLocked(); err != nil {
		return fmt.Errorf("saving the stat index %s: %w", x.path, err)
	}
	x.dirty = false
	return nil
}

func (x *StatIndex) saveLocked() error {
	dir := filepath.Dir(x.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	lock, err := os.OpenFile(x.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	base, keep, ours := x.known, func(int) bool { return true }, true
	var other statView
	defer other.close()
	var st unix.Stat_t
	if err := unix.Stat(x.path, &st); err != nil || stampOf(&st) != x.stamp {
		// Another build saved since this one loaded: merge into its file.
		other, _ = readStatIndex(x.path)
		base, ours = other, false
	}
	fresh := x.fresh.all()
	if base.len()+len(fresh) > maxStatEntries {
		base, keep, ours = x.known, x.usedAt, true
	}
	// The entries this process used or hashed stay marked in the new file,
	// so a later save past the bound keeps them.
	n, used := 0, []uint64(nil)
	for i := range mergedRecs(base, keep, fresh) {
		if i < 0 || ours && x.usedAt(i) {
			used = markUsed(used, n)
		}
		n++
	}
	if err := writeRename(x.path, func(w io.Writer) error { return encodeStatIndex(w, n, mergedRecs(base, keep, fresh)) }); err != nil {
		return err
	}
	// What was saved is read back mapped, and the heap lets go of it. The
	// old mappings go first, so the index is never mapped twice.
	other.close()
	x.known.close()
	x.setKnown(readStatIndex(x.path))
	if x.known.len() == n {
		for len(used) < len(x.used) {
			used = append(used, 0)
		}
		x.used = used
	}
	x.fresh = freshSet{}
	return nil
}

// markUsed sets bit i of used, growing it as needed.
func markUsed(used []uint64, i int) []uint64 {
	for len(used) <= i/64 {
		used = append(used, 0)
	}
	used[i/64] |= 1 << (i % 64)
	return used
}

// Close lets go of the loaded index (its mapping) without saving; the
// index remembers nothing after it. A process that builds twice (a
// cache-only attempt, then the build) would otherwise hold it twice.
func (x *StatIndex) Close() {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.setKnown(statView{}, fileStamp{})
	x.fresh, x.dirty = freshSet{}, false
}

// usedAt says whether known's record i matched a file of this process.
func (x *StatIndex) usedAt(i int) bool {
	return i/64 < len(x.used) && x.used[i/64]&(1<<(i%64)) != 0
}
