package unpack

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// settle waits until files just written are old enough to be remembered
// (racyWindow); it waits, it asserts nothing about time.
func settle() { time.Sleep(racyWindow + 20*time.Millisecond) }

// indexedDigest digests spec through a freshly opened index at path, saves
// it, and returns the digest and how many files were read.
func indexedDigest(t *testing.T, spec CopySpec, path string) (string, int) {
	t.Helper()
	x := OpenStatIndex(path)
	spec.Digests = x
	d := digestOf(t, spec)
	must(t, x.Save())
	return d, x.Misses()
}

func TestStatIndexHitReadsNothingAndAgrees(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a": "alpha", "d/b": "beta", "d/c": "gamma", "d/l": "->b"})
	settle()
	spec := ctxSpec(ctx, dst, "/x/", ".")
	idx := filepath.Join(t.TempDir(), "statindex")
	plain := digestOf(t, spec)
	d1, read1 := indexedDigest(t, spec, idx)
	d2, read2 := indexedDigest(t, spec, idx)
	if d1 != plain || d2 != plain {
		t.Errorf("digests differ: plain %s, cold %s, warm %s", plain, d1, d2)
	}
	if read1 != 3 || read2 != 0 {
		t.Errorf("files read: cold %d (want 3), warm %d (want 0)", read1, read2)
	}
}

func TestStatIndexMissesOnChangedStat(t *testing.T) {
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, change := range map[string]func(t *testing.T, p string){
		"mtime": func(t *testing.T, p string) { must(t, os.Chtimes(p, old, old.Add(time.Hour))) },
		"size":  func(t *testing.T, p string) { must(t, os.WriteFile(p, []byte("alpha+"), 0o644)) },
		// Same size, same mtime, other bytes: only the ctime tells.
		"ctime": func(t *testing.T, p string) {
			must(t, os.WriteFile(p, []byte("ALPHA"), 0o644))
			must(t, os.Chtimes(p, old, old))
		},
		// Same bytes in a new inode, with the old mtime.
		"inode": func(t *testing.T, p string) {
			must(t, os.WriteFile(p+".new", []byte("alpha"), 0o644))
			must(t, os.Chtimes(p+".new", old, old))
			must(t, os.Rename(p+".new", p))
		},
	} {
		// A file named as the source is stat'ed apart from a walked tree's.
		for _, source := range []string{".", "a"} {
			t.Run(name+" source "+source, func(t *testing.T) {
				ctx, dst := roots(t)
				tree(t, ctx, map[string]string{"a": "alpha", "b": "beta"})
				must(t, os.Chtimes(filepath.Join(ctx, "a"), old, old))
				settle()
				spec := ctxSpec(ctx, dst, "/x/", source)
				idx := filepath.Join(t.TempDir(), "statindex")
				indexedDigest(t, spec, idx)
				change(t, filepath.Join(ctx, "a"))
				got, read := indexedDigest(t, spec, idx)
				if read != 1 {
					t.Errorf("files read after a %s change: %d, want 1", name, read)
				}
				if want := digestOf(t, spec); got != want {
					t.Errorf("digest after a %s change: %s, reading everything gives %s", name, got, want)
				}
			})
		}
	}
}

func TestStatIndexCorruptFileIsIgnored(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a": "alpha", "b": "beta"})
	settle()
	spec := ctxSpec(ctx, dst, "/x/", ".")
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	want, _ := indexedDigest(t, spec, good)
	data, err := os.ReadFile(good)
	must(t, err)
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)/2] ^= 0xff // a record's bytes: the checksum refuses it
	for name, bad := range map[string][]byte{
		"garbage":   []byte("not an index at all, but long enough to look like one........."),
		"truncated": data[:len(data)-7],
		"flipped":   flipped,
		"empty":     nil,
	} {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, bad, 0o600))
		got, read := indexedDigest(t, spec, p)
		if got != want || read != 2 {
			t.Errorf("%s index: digest %s read %d, want %s read 2", name, got, read, want)
		}
		if _, read := indexedDigest(t, spec, p); read != 0 {
			t.Errorf("%s index was not rewritten whole: %d files read", name, read)
		}
	}
}

func TestStatIndexConcurrentWritersKeepEveryEntry(t *testing.T) {
	idx := filepath.Join(t.TempDir(), "statindex")
	const writers = 8
	specs := make([]CopySpec, writers)
	for i := range specs {
		ctx, dst := roots(t)
		tree(t, ctx, map[string]string{"f": fmt.Sprint("file of writer ", i), "g": "shared text"})
		specs[i] = ctxSpec(ctx, dst, "/x/", ".")
	}
	settle()
	var wg sync.WaitGroup
	for _, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			indexedDigest(t, spec, idx)
		}()
	}
	wg.Wait()
	for i, spec := range specs {
		if _, read := indexedDigest(t, spec, idx); read != 0 {
			t.Errorf("writer %d's entries were lost: %d files read again", i, read)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(idx), ".statindex-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestStatIndexForgetsFilesChangedJustBeforeTheRead(t *testing.T) {
	x := OpenStatIndex(filepath.Join(t.TempDir(), "statindex"))
	readAt := time.Now()
	var sum [32]byte
	fresh := unix.Stat_t{Ino: 1, Size: 5, Ctim: unix.NsecToTimespec(readAt.Add(-racyWindow / 2).UnixNano())}
	aged := unix.Stat_t{Ino: 2, Size: 5, Ctim: unix.NsecToTimespec(readAt.Add(-2 * racyWindow).UnixNano())}
	x.record(&fresh, sum, readAt)
	x.record(&aged, sum, readAt)
	if _, ok := x.lookup(&fresh); ok {
		t.Errorf("a file changed %v before it was read was remembered", racyWindow/2)
	}
	if _, ok := x.lookup(&aged); !ok {
		t.Errorf("a file changed %v before it was read was not remembered", 2*racyWindow)
	}
}

// An index saved before records were sorted (in map order) still reads:
// it is sorted on load, and every entry is found.
func TestStatIndexReadsUnsortedFile(t *testing.T) {
	var recs []statRec
	for i := uint64(50); i > 0; i-- {
		recs = append(recs, statRec{id: fileID{dev: i % 3, ino: i}, statEntry: statEntry{size: int64(i)}})
	}
	p := filepath.Join(t.TempDir(), "statindex")
	must(t, writeRename(p, func(w io.Writer) error { return encodeStatIndex(w, len(recs), slices.All(recs)) }))
	x := OpenStatIndex(p)
	for _, r := range recs {
		st := unix.Stat_t{Dev: r.id.dev, Ino: r.id.ino, Size: r.size}
		if _, ok := x.lookup(&st); !ok {
			t.Fatalf("entry %v not found", r.id)
		}
	}
	if _, ok := x.lookup(&unix.Stat_t{Dev: 1, Ino: 51, Size: 51}); ok {
		t.Error("an entry that was never recorded was found")
	}
}
