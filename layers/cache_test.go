package layers

import (
	"os"
	"path/filepath"
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
	if got, err := st.RecordCache(first, "k"); err != nil || got != first {
		t.Fatalf("RecordCache(first) = %s, %v", got, err)
	}
	if got, err := st.RecordCache(second, "k"); err != nil || got != first {
		t.Fatalf("a racing second record took the entry: got %s, %v; want %s", got, err, first)
	}
	if got, ok := st.CachedLayer("k"); !ok || got != first {
		t.Fatalf("CachedLayer = %s, %v; want %s", got, ok, first)
	}
}

func TestPruneCacheFreesChainsFromTheTipAndSparesImages(t *testing.T) {
	st := testStore(t)
	base := pullBase(t, st)
	img, err := st.Image(base)
	must(t, err)
	noop := func(string) {}
	a := writeLayer(t, st, img.TopLayer, noop)
	b := writeLayer(t, st, a, noop)
	for key, id := range map[string]string{"a": a, "b": b} {
		if _, err := st.RecordCache(id, key); err != nil {
			t.Fatal(err)
		}
	}
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
