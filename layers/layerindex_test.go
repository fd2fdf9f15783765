package layers

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/storage"
)

func TestLayerIndexAnswersAsTheStore(t *testing.T) {
	st := testStore(t)
	write := func(name string) func(string) {
		return func(root string) { must(t, os.WriteFile(filepath.Join(root, name), []byte(name), 0o644)) }
	}
	a := record(t, st, writeLayer(t, st, "", write("a")), "a")
	b := record(t, st, writeLayer(t, st, a, write("b")), "b")
	x, err := st.IndexLayers()
	must(t, err)
	for _, key := range []string{"a", "b", "missing"} {
		want, wantOK := st.CachedLayer(key)
		if got, ok := x.CachedLayerSince(key, time.Time{}); got != want || ok != wantOK {
			t.Errorf("index: entry %q = %s, %v; the store says %s, %v", key, got, ok, want, wantOK)
		}
	}
	if _, ok := x.CachedLayerSince("a", time.Now().Add(time.Hour)); ok {
		t.Error("an entry older than since was taken")
	}
	want, err := layerChain(st.Storage(), b)
	must(t, err)
	got, err := chainOf(x.layer, b)
	must(t, err)
	ids := func(c []*storage.Layer) []string {
		var out []string
		for _, l := range c {
			out = append(out, l.ID)
		}
		return out
	}
	if !slices.Equal(ids(got), ids(want)) {
		t.Errorf("chain from the index = %v, from the store %v", ids(got), ids(want))
	}
}

func TestLayerIndexRulesOutImagesOnOtherLayers(t *testing.T) {
	st := testStore(t)
	a := record(t, st, writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
	}), "a")
	x, err := st.IndexLayers()
	must(t, err)
	l, err := st.Storage().Layer(a)
	must(t, err)
	other := digest.FromString("other")
	switch {
	case !x.mayHold(a, []digest.Digest{other, l.UncompressedDigest}):
		t.Error("an image on the layer was ruled out")
	case x.mayHold(a, []digest.Digest{l.UncompressedDigest, other}):
		t.Error("a config whose last layer is another was not ruled out")
	case x.mayHold("", []digest.Digest{other}) || !x.mayHold("", nil):
		t.Error("an image without layers must match exactly the configs without layers")
	case !(*LayerIndex)(nil).mayHold(a, []digest.Digest{other}):
		t.Error("without an index every image is a candidate")
	}
	// A commit that reads the chain and the candidates from the index
	// still gives a rebuild the ID of the image that differs only in dates.
	ctx := context.Background()
	then, now := time.Unix(1700000000, 0).UTC(), time.Now().UTC()
	first, err := st.Commit(ctx, a, dated("A=1", then), []string{"app"}, ReuseDates())
	must(t, err)
	x, err = st.IndexLayers()
	must(t, err)
	again, err := st.Commit(ctx, a, dated("A=1", now), []string{"app"}, ReuseDates(), FromIndex(x))
	must(t, err)
	if again != first {
		t.Errorf("committed from the index: image %s, want %s", again, first)
	}
}
