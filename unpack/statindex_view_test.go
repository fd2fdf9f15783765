package unpack

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// agedStat is a file's stat old enough to be remembered.
func agedStat(ino uint64) unix.Stat_t {
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()
	return unix.Stat_t{Dev: 7, Ino: ino, Size: int64(ino), Ctim: unix.NsecToTimespec(old), Mtim: unix.NsecToTimespec(old)}
}

// A loaded index is mapped, not decoded into the heap: opening one of
// 100,000 entries costs the heap its used bits, not 7 MB of records.
func TestStatIndexLoadedIsNotOnTheHeap(t *testing.T) {
	const n = 100_000
	p := filepath.Join(t.TempDir(), "statindex")
	recs := func(yield func(int, statRec) bool) {
		for i := uint64(1); i <= n; i++ {
			if !yield(int(i), statRec{id: fileID{7, i}, statEntry: statEntry{size: int64(i)}}) {
				return
			}
		}
	}
	must(t, writeRename(p, func(w io.Writer) error { return encodeStatIndex(w, n, recs) }))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := OpenStatIndex(p)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Errorf("opening an index of %d entries kept %d bytes of heap, want under 1 MiB", n, grew)
	}
	if got := x.known.len(); got != n {
		t.Fatalf("%d entries loaded, want %d", got, n)
	}
	st := unix.Stat_t{Dev: 7, Ino: n / 2, Size: n / 2}
	if _, ok := x.lookup(&st); !ok {
		t.Error("an entry of the mapped index was not found")
	}
	if got := mappingsOf(t, p); got != 1 {
		t.Errorf("the index is mapped %d times, want once", got)
	}
	x.Close()
	if got := mappingsOf(t, p); got != 0 {
		t.Errorf("the index is still mapped %d times after Close", got)
	}
}

// mappingsOf counts this process's mappings of the file at path.
func mappingsOf(t *testing.T, path string) int {
	maps, err := os.ReadFile("/proc/self/maps")
	must(t, err)
	return strings.Count(string(maps), path+"\n")
}

// A build that hashes more files than freshSpill saves them as it goes
// and holds at most freshSpill on the heap; none is lost, in this process
// or the next.
func TestStatIndexSpillsFreshEntries(t *testing.T) {
	p := filepath.Join(t.TempDir(), "statindex")
	x := OpenStatIndex(p)
	x.spillAt = 5
	var sum [32]byte
	for ino := uint64(1); ino <= 23; ino++ {
		st := agedStat(ino)
		sum[0] = byte(ino)
		x.record(&st, sum, time.Now())
		if x.fresh.len() >= x.spillAt {
			t.Fatalf("%d fresh entries on the heap after %d records, want under %d", x.fresh.len(), ino, x.spillAt)
		}
	}
	for i := 0; i < x.known.len(); i++ {
		if !x.usedAt(i) {
			t.Fatalf("saved entry %d is not marked as this process's: a save past the bound would drop it", i)
		}
	}
	must(t, x.Save())
	for name, idx := range map[string]*StatIndex{"same process": x, "next process": OpenStatIndex(p)} {
		for ino := uint64(1); ino <= 23; ino++ {
			st := agedStat(ino)
			if got, ok := idx.lookup(&st); !ok || got[0] != byte(ino) {
				t.Fatalf("%s: entry %d: found %t, sum %d", name, ino, ok, got[0])
			}
		}
	}
}

// mergedRecs keeps base's records that keep accepts, adds fresh's, and
// lets fresh win for a file both have, in order.
func TestMergedRecsOrderAndPrecedence(t *testing.T) {
	rec := func(ino uint64, size int64) statRec {
		return statRec{id: fileID{1, ino}, statEntry: statEntry{size: size}}
	}
	baseRecs := []statRec{rec(2, 0), rec(4, 0), rec(6, 0), rec(8, 0)}
	b := make([]byte, len(baseRecs)*statRecord)
	for i, r := range baseRecs {
		encodeStatRec(b[i*statRecord:], r)
	}
	base := statView{recs: b}
	fresh := []statRec{rec(1, 1), rec(4, 1), rec(9, 1)}
	dropSix := func(i int) bool { return base.id(i).ino != 6 }
	var got []statRec
	var from []int
	for i, r := range mergedRecs(base, dropSix, fresh) {
		got, from = append(got, r), append(from, i)
	}
	want := []statRec{rec(1, 1), rec(2, 0), rec(4, 1), rec(8, 0), rec(9, 1)}
	if !slices.Equal(got, want) {
		t.Errorf("merged %v, want %v", got, want)
	}
	if wantFrom := []int{-1, 0, -1, 3, -1}; !slices.Equal(from, wantFrom) {
		t.Errorf("merged from %v, want %v (base's index, -1 for fresh)", from, wantFrom)
	}
}
