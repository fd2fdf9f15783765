package layers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordCacheKeepsTheFirstEntryForAKey(t *testing.T) {
	st := testStore(t)
	write := func(root string) { must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644)) }
	first := writeLayer(t, st, "", write)
	second := writeLayer(t, st, "", write)
	if _, ok := st.CachedLayer("k"); ok {
		t.Fatal("a key nobody recorded was found")
	}
	entry, err := st.RecordCache(first, "k")
	if err != nil {
		t.Fatalf("RecordCache(first) = %s, %v", entry, err)
	}
	if got, err := st.RecordCache(second, "k"); err != nil || got != entry {
		t.Fatalf("a racing second record took the entry: got %s, %v; want %s", got, err, entry)
	}
	if got, ok := st.CachedLayer("k"); !ok || got != entry {
		t.Fatalf("CachedLayer = %s, %v; want %s", got, ok, entry)
	}
}

func TestPruneCacheFreesChainsFromTheTipAndSparesImages(t *testing.T) {
	st := testStore(t)
	base := pullBase(t, st)
	img, err := st.Image(base)
	must(t, err)
	// As a build does: each step is recorded before the next stacks on it.
	noop := func(string) {}
	a := record(t, st, writeLayer(t, st, img.TopLayer, noop), "a")
	record(t, st, writeLayer(t, st, a, noop), "b")
	n, err := st.PruneCache()
	if err != nil || n != 2 {
		t.Fatalf("PruneCache = %d, %v; want both cache layers of the chain removed", n, err)
	}
	if _, ok := st.CachedLayer("a"); ok {
		t.Error("cache entry a survived prune")
	}
	if _, err := st.Image(base); err != nil {
		t.Errorf("prune removed the image's own layers: %v", err)
	}
}

func TestRecordCacheNotForCommitNamesWithoutSealing(t *testing.T) {
	st := testStore(t)
	id := writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
	}, NotForCommit())
	entry, err := st.RecordCache(id, "k", NotForCommit())
	must(t, err)
	if entry != id {
		t.Fatalf("RecordCache(NotForCommit) = %s, want the layer itself, %s", entry, id)
	}
	if got, ok := st.CachedLayer("k"); !ok || got != id {
		t.Fatalf("CachedLayer = %s, %v; want %s", got, ok, id)
	}
	l, err := st.Storage().Layer(id)
	must(t, err)
	if l.UncompressedDigest != "" {
		t.Errorf("a layer recorded NotForCommit was sealed (digest %s)", l.UncompressedDigest)
	}
	// Committing it anyway takes the copying path and still works.
	img, err := st.Commit(context.Background(), id, withHistory(ImageSpec{}, 1), nil)
	must(t, err)
	if _, err := st.Image(img); err != nil {
		t.Fatal(err)
	}
}

// --no-cache records its fresh layer as the entry; the layer it replaces
// stays a cache layer (under a name no key finds) for PruneCache.
func TestRecordCacheTakeOverRetiresTheOldEntry(t *testing.T) {
	st := testStore(t)
	write := func(body string) func(string) {
		return func(root string) { must(t, os.WriteFile(filepath.Join(root, "f"), []byte(body), 0o644)) }
	}
	old := record(t, st, writeLayer(t, st, "", write("old")), "k")
	fresh, err := st.RecordCache(writeLayer(t, st, "", write("new")), "k", TakeOver())
	must(t, err)
	if fresh == old {
		t.Fatal("TakeOver kept the old entry")
	}
	if got, ok := st.CachedLayer("k"); !ok || got != fresh {
		t.Fatalf("CachedLayer = %s, %v; want the fresh layer %s", got, ok, fresh)
	}
	l, err := st.Storage().Layer(old)
	must(t, err)
	if !isCacheLayer(l.Names) {
		t.Errorf("the replaced entry has names %v: PruneCache would never remove it", l.Names)
	}
}

// A step's working layer is recorded in storage's volatile list unless it
// will stay as the cache entry, and RecordCache will not make a volatile
// one an entry.
func TestWorkingLayerRecordsAreVolatileUnlessKept(t *testing.T) {
	st := testStore(t)
	sealed, err := st.NewLayer("")
	must(t, err)
	kept, err := st.NewLayer("", NotForCommit())
	must(t, err)
	root := st.Storage().GraphRoot()
	volatile, _ := os.ReadFile(filepath.Join(root, "overlay-layers", "volatile-layers.json"))
	stable, _ := os.ReadFile(filepath.Join(root, "overlay-layers", "layers.json"))
	if !strings.Contains(string(volatile), sealed) || strings.Contains(string(stable), sealed) {
		t.Errorf("a working layer to be sealed is not in the volatile list only")
	}
	if strings.Contains(string(volatile), kept) || !strings.Contains(string(stable), kept) {
		t.Errorf("a working layer to stay as a cache entry is not in the stable list only")
	}
	if _, err := st.RecordCache(sealed, "k", NotForCommit()); !errors.Is(err, errVolatileEntry) {
		t.Errorf("RecordCache of a volatile layer as an entry = %v, want %v", err, errVolatileEntry)
	}
}
