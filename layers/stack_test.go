package layers

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStackReusesTheDiffOnAnyParent: a layer made on scratch and stacked
// on two parents gives both the same diff (the --link promise), and
// stacking again returns the same layer.
func TestStackReusesTheDiffOnAnyParent(t *testing.T) {
	st := testStore(t)
	linked := record(t, st, writeLayer(t, st, "", func(root string) {
		must(t, os.MkdirAll(filepath.Join(root, "app"), 0o755))
		must(t, os.WriteFile(filepath.Join(root, "app", "f"), []byte("linked"), 0o644))
	}), "linked")
	p1 := record(t, st, writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "one"), []byte("1"), 0o644))
	}), "p1")
	p2 := record(t, st, writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "two"), []byte("2"), 0o644))
	}), "p2")
	if got, err := st.Stack("", linked); err != nil || got != linked {
		t.Fatalf("Stack on scratch = %s, %v; want the layer itself", got, err)
	}
	s1, err := st.Stack(p1, linked)
	must(t, err)
	s2, err := st.Stack(p2, linked)
	must(t, err)
	l0, _ := st.store.Layer(linked)
	l1, _ := st.store.Layer(s1)
	l2, _ := st.store.Layer(s2)
	if l1.Parent != p1 || l2.Parent != p2 {
		t.Fatalf("parents %s, %s; want %s, %s", l1.Parent, l2.Parent, p1, p2)
	}
	if l1.UncompressedDigest != l0.UncompressedDigest || l2.UncompressedDigest != l0.UncompressedDigest {
		t.Errorf("diffs differ: %s %s %s", l0.UncompressedDigest, l1.UncompressedDigest, l2.UncompressedDigest)
	}
	if again, err := st.Stack(p1, linked); err != nil || again != s1 {
		t.Errorf("stacking again = %s, %v; want %s", again, err, s1)
	}
	root, err := st.Mount(s2)
	must(t, err)
	defer st.Unmount(s2)
	for name, want := range map[string]string{"app/f": "linked", "two": "2"} {
		if b, err := os.ReadFile(filepath.Join(root, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
}
