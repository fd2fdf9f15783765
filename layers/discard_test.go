package layers

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A build's image goes, its cache entries stay and still serve; an image
// that existed before the build is left alone.
func TestDiscardKeepsTheCacheAndEarlierImages(t *testing.T) {
	st := testStore(t)
	base := pullBase(t, st)
	img, err := st.Image(base)
	must(t, err)
	write := func(name string) func(string) {
		return func(root string) { must(t, os.WriteFile(filepath.Join(root, name), []byte(name), 0o644)) }
	}
	a := record(t, st, writeLayer(t, st, img.TopLayer, write("a")), "a")
	b := record(t, st, writeLayer(t, st, a, write("b")), "b")
	before, err := st.ImageIDs()
	must(t, err)
	built, err := st.Commit(context.Background(), b, withHistory(ImageSpec{}, 3), nil)
	must(t, err)
	if before[built] {
		t.Fatal("the committed image was there before the commit")
	}
	must(t, st.Discard(base, before))
	if _, err := st.Image(base); err != nil {
		t.Fatalf("Discard removed an image that was there before: %v", err)
	}
	must(t, st.Discard(built, before))
	if _, err := st.Image(built); err == nil {
		t.Fatal("the discarded image is still stored")
	}
	for key, want := range map[string]string{"a": a, "b": b} {
		if got, ok := st.CachedLayer(key); !ok || got != want {
			t.Errorf("cache entry %s = %s, %v after Discard; want %s", key, got, ok, want)
		}
	}
	// Nothing but the entries is left: no hold layer on top of b.
	if n, err := st.PruneCache(); err != nil || n != 2 {
		t.Errorf("PruneCache = %d, %v; want the two entries, freed by nothing else", n, err)
	}
}
