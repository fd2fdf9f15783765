package layers

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
	"github.com/stagebox/stagebox/unpack"
)

// Sealing measures a layer in place: the files stay (and the root
// directory keeps the mode a step gave it), and storage reproduces the
// exact tar whose digest it recorded.
func TestRecordCacheSealsTheLayerInPlace(t *testing.T) {
	st := testStore(t)
	base, err := st.Image(pullBase(t, st))
	must(t, err)
	id := writeRecordedLayer(t, st, base.TopLayer, func(root string) {
		must(t, os.Chmod(root, 0o750))
		must(t, os.Remove(filepath.Join(root, "etc/gone")))
		must(t, os.WriteFile(filepath.Join(root, "new"), []byte("new\n"), 0o644))
		must(t, os.Lchown(filepath.Join(root, "new"), 1000, 1001))
	})
	l, err := st.Storage().Layer(id)
	must(t, err)
	if l.UncompressedDigest == "" || l.UncompressedSize <= 0 {
		t.Fatalf("recorded layer has digest %q, size %d: not sealed", l.UncompressedDigest, l.UncompressedSize)
	}
	for i := 0; i < 2; i++ {
		if got := diffDigest(t, st, id); got != l.UncompressedDigest {
			t.Fatalf("diff %d of the sealed layer digests to %s, storage recorded %s", i, got, l.UncompressedDigest)
		}
	}
	root, err := st.Mount(id)
	must(t, err)
	defer st.Unmount(id)
	if data, err := os.ReadFile(filepath.Join(root, "new")); err != nil || string(data) != "new\n" {
		t.Errorf("new = %q, %v after sealing", data, err)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/gone")); !os.IsNotExist(err) {
		t.Errorf("etc/gone came back after sealing: %v", err)
	}
	if fi, err := os.Stat(root); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("root mode after sealing = %v, %v; want 0750", fi.Mode(), err)
	}
	if len(l.UIDs) == 0 || l.UIDs[len(l.UIDs)-1] != 1000 {
		t.Errorf("layer UIDs = %v, want 1000 among them", l.UIDs)
	}
}

func diffDigest(t *testing.T, st *Store, id string) digest.Digest {
	t.Helper()
	rc, err := diffLayer(st.Storage(), id)
	must(t, err)
	defer rc.Close()
	d := digest.Canonical.Digester()
	if _, err := io.Copy(d.Hash(), rc); err != nil {
		t.Fatal(err)
	}
	return d.Digest()
}

// A sealed layer has the ID containers/image would give it, so pulling
// the image back into the same store (podman pull of a pushed build, say)
// finds its layers instead of failing on an image ID that already exists
// on other layers.
func TestPullOfACommittedImageIntoItsStoreReusesItsLayers(t *testing.T) {
	st := testStore(t)
	base, err := st.Image(pullBase(t, st))
	must(t, err)
	top := buildChain(t, st, base.TopLayer, true)
	id, err := st.Commit(context.Background(), top, withHistory(base.Config, 2), []string{"built"})
	must(t, err)
	out := filepath.Join(t.TempDir(), "out")
	must(t, st.Push(context.Background(), id, "oci:"+out+":x"))
	layersBefore, err := st.Storage().Layers()
	must(t, err)
	got, err := (&unpack.Puller{Store: st.Storage()}).Pull(context.Background(), "oci:"+out+":x", unpack.PullAlways)
	if err != nil || got != id {
		t.Fatalf("pulling the pushed image back = %s, %v; want %s", got, err, id)
	}
	layersAfter, err := st.Storage().Layers()
	must(t, err)
	if len(layersAfter) != len(layersBefore) {
		t.Errorf("the pull made %d new layers, want none", len(layersAfter)-len(layersBefore))
	}
}

// Two steps that made the same files on the same parent share one layer.
func TestSealingIdenticalContentsGivesOneLayer(t *testing.T) {
	st := testStore(t)
	base, err := st.Image(pullBase(t, st))
	must(t, err)
	when := time.Unix(1700000000, 0)
	same := func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), []byte("same\n"), 0o644))
		must(t, os.Chtimes(filepath.Join(root, "f"), when, when))
		must(t, os.Chtimes(root, when, when))
	}
	first := writeRecordedLayer(t, st, base.TopLayer, same)
	second := writeRecordedLayer(t, st, base.TopLayer, same)
	if first != second {
		t.Errorf("identical steps sealed as %s and %s, want one layer", first, second)
	}
}
