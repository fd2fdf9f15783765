package unpack

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
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

	mu     sync.Mutex
	known  map[fileID]statEntry // as loaded
	fresh  map[fileID]statEntry // hashed or used by this process
	dirty  bool                 // fresh holds something known did not
	misses int                  // files read, for tests and benchmarks
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

var statMagic = [8]byte{'s', 'b', 's', 't', 'a', 't', '0', '1'}

const statRecord = 5*8 + sha256.Size // dev, ino, size, mtime, ctime, then the sum

// OpenStatIndex loads the index at path; it never fails: an index that
// cannot be read is empty and is rewritten by Save.
func OpenStatIndex(path string) *StatIndex {
	x := &StatIndex{path: path, fresh: map[fileID]statEntry{}}
	x.known = readStatIndex(path)
	return x
}

func readStatIndex(path string) map[fileID]statEntry {
	data, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			logrus.Debugf("stat index %s: %v; starting empty", path, err)
		}
		return map[fileID]statEntry{}
	}
	m, err := decodeStatIndex(data)
	if err != nil {
		logrus.Debugf("stat index %s: %v; starting empty", path, err)
		return map[fileID]statEntry{}
	}
	return m
}

// decodeStatIndex reads magic, count, records and a trailing sha256 of all
// that precedes it, so a torn or scribbled file is refused whole.
func decodeStatIndex(data []byte) (map[fileID]statEntry, error) {
	const head = len(statMagic) + 8
	if len(data) < head+sha256.Size || !bytes.Equal(data[:len(statMagic)], statMagic[:]) {
		return nil, errors.New("not a stat index")
	}
	n := binary.LittleEndian.Uint64(data[len(statMagic):head])
	if n > maxStatEntries*2 || uint64(len(data)) != uint64(head)+n*statRecord+sha256.Size {
		return nil, errors.New("truncated or oversized")
	}
	body := data[:len(data)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(body):]) {
		return nil, errors.New("checksum mismatch")
	}
	m := make(map[fileID]statEntry, n)
	le := binary.LittleEndian
	for r := body[head:]; len(r) >= statRecord; r = r[statRecord:] {
		var e statEntry
		id := fileID{le.Uint64(r), le.Uint64(r[8:])}
		e.size, e.mtime, e.ctime = int64(le.Uint64(r[16:])), int64(le.Uint64(r[24:])), int64(le.Uint64(r[32:]))
		copy(e.sum[:], r[40:statRecord])
		m[id] = e
	}
	return m, nil
}

func encodeStatIndex(m map[fileID]statEntry) []byte {
	le := binary.LittleEndian
	buf := make([]byte, 0, len(statMagic)+8+len(m)*statRecord+sha256.Size)
	buf = append(buf, statMagic[:]...)
	buf = le.AppendUint64(buf, uint64(len(m)))
	for id, e := range m {
		buf = le.AppendUint64(buf, id.dev)
		buf = le.AppendUint64(buf, id.ino)
		buf = le.AppendUint64(buf, uint64(e.size))
		buf = le.AppendUint64(buf, uint64(e.mtime))
		buf = le.AppendUint64(buf, uint64(e.ctime))
		buf = append(buf, e.sum[:]...)
	}
	sum := sha256.Sum256(buf)
	return append(buf, sum[:]...)
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
	e, ok := x.fresh[id]
	if !ok {
		if e, ok = x.known[id]; ok && sameStat(e, want) {
			x.fresh[id] = e // kept even when the index is trimmed
		}
	}
	if !ok || !sameStat(e, want) {
		return [sha256.Size]byte{}, false
	}
	return e.sum, true
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
	x.fresh[id] = e
	x.dirty = true
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
	merged := readStatIndex(x.path)
	if len(merged)+len(x.fresh) > maxStatEntries {
		merged = map[fileID]statEntry{}
	}
	for id, e := range x.fresh {
		merged[id] = e
	}
	x.known = merged
	return writeRename(x.path, encodeStatIndex(merged))
}

// writeRename replaces path with data so a reader sees the old or the new
// content whole. There is no fsync: a file torn by a crash fails the
// checksum and reads as empty, which costs one rehash, not a wrong digest.
func writeRename(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
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
