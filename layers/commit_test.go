package layers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// buildChain makes two working layers on the base: the first deletes
// etc/gone, replaces data/ (an opaque directory) and adds app/ (with
// app/owned chowned to 1000:1001); the second adds etc/second. With record,
// each is recorded in the cache once written, as a build step does.
func buildChain(t *testing.T, st *Store, base string, record bool) string {
	t.Helper()
	write := writeLayer
	if record {
		write = writeRecordedLayer
	}
	l1 := write(t, st, base, func(root string) {
		must(t, os.Remove(filepath.Join(root, "etc/gone")))
		must(t, os.RemoveAll(filepath.Join(root, "data")))
		must(t, os.Mkdir(filepath.Join(root, "data"), 0o755))
		must(t, os.WriteFile(filepath.Join(root, "data/new"), []byte("new\n"), 0o644))
		must(t, os.MkdirAll(filepath.Join(root, "app"), 0o755))
		must(t, os.WriteFile(filepath.Join(root, "app/hello"), []byte("hello\n"), 0o755))
		must(t, os.WriteFile(filepath.Join(root, "app/owned"), nil, 0o644))
		must(t, os.Lchown(filepath.Join(root, "app/owned"), 1000, 1001))
	})
	return write(t, st, l1, func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "etc/second"), []byte("2\n"), 0o600))
	})
}

// writeRecordedLayer is writeLayer followed by RecordCache, which seals
// the layer where the driver can; it returns the cache entry, the layer a
// build stacks its next step on.
func writeRecordedLayer(t *testing.T, st *Store, parent string, write func(root string), opts ...CacheOption) string {
	t.Helper()
	id := writeLayer(t, st, parent, write, opts...)
	return record(t, st, id, "key-"+id)
}

// record records a working layer as a build step does, dropping the
// working layer when the entry is another layer.
func record(t *testing.T, st *Store, id, key string) string {
	t.Helper()
	entry, err := st.RecordCache(id, key)
	must(t, err)
	if entry != id {
		must(t, st.DeleteLayer(id))
	}
	return entry
}

func writeLayer(t *testing.T, st *Store, parent string, write func(root string), opts ...CacheOption) string {
	t.Helper()
	id, err := st.NewLayer(parent, opts...)
	must(t, err)
	root, err := st.Mount(id)
	must(t, err)
	write(root)
	must(t, st.Unmount(id))
	return id
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// withHistory appends one history entry per added layer plus an empty one.
func withHistory(cfg ImageSpec, layers int) ImageSpec {
	cfg.History = slices.Clone(cfg.History)
	for i := 0; i < layers; i++ {
		cfg.History = append(cfg.History, ocispec.History{CreatedBy: "RUN step"})
	}
	cfg.History = append(cfg.History, ocispec.History{CreatedBy: "ENV X=1", EmptyLayer: true})
	return cfg
}

// The layers of a build are recorded in the cache; a chain of layers that
// were not (or that vfs cannot seal) takes the copying commit.
func TestCommitLayerChainPushesValidOCIImage(t *testing.T) {
	for _, driver := range []string{"overlay", "vfs"} {
		for _, record := range []bool{false, true} {
			name := driver
			if record {
				name += "-recorded"
			}
			t.Run(name, func(t *testing.T) { testCommitLayerChain(t, testStoreWith(t, driver), record) })
		}
	}
}

func testCommitLayerChain(t *testing.T, st *Store, record bool) {
	ctx := context.Background()
	pullBase(t, st)
	base, err := st.Image("base")
	must(t, err)
	top := buildChain(t, st, base.TopLayer, record)

	cfg := withHistory(base.Config, 2)
	cfg.Config.Cmd = []string{"/app/hello"}
	id, err := st.Commit(ctx, top, cfg, []string{"myimg"})
	must(t, err)
	sealed := record && st.Storage().GraphDriverName() == "overlay"
	committed, err := st.Image(id)
	must(t, err)
	if (committed.TopLayer == top) != sealed {
		t.Fatalf("image top layer %s, build top %s: want the build's own layers exactly when they were sealed (%v)", committed.TopLayer, top, sealed)
	}

	img, err := st.Image("myimg")
	must(t, err)
	if img.ID != id || !slices.Equal(img.Names, []string{"localhost/myimg:latest"}) {
		t.Fatalf("committed image = %s %v, want %s [localhost/myimg:latest]", img.ID, img.Names, id)
	}
	if got := img.Config.Config.Cmd; !slices.Equal(got, []string{"/app/hello"}) {
		t.Errorf("config Cmd = %v", got)
	}

	out := filepath.Join(t.TempDir(), "out")
	must(t, st.Push(ctx, "myimg", "oci:"+out+":v1"))
	p := readLayout(t, out)
	if len(p.layers) != 3 || len(p.config.RootFS.DiffIDs) != 3 {
		t.Fatalf("pushed %d layers, %d diff_ids; want 3", len(p.layers), len(p.config.RootFS.DiffIDs))
	}
	for i, l := range p.layers {
		if got := digest.FromBytes(l); got != p.config.RootFS.DiffIDs[i] {
			t.Errorf("layer %d digests to %s, diff_id says %s", i, got, p.config.RootFS.DiffIDs[i])
		}
	}
	if want := digest.FromBytes(tarOf(t, baseEntries)); p.config.RootFS.DiffIDs[0] != want {
		t.Errorf("base layer changed: diff_id %s, fixture %s", p.config.RootFS.DiffIDs[0], want)
	}
	if len(p.config.History) != 4 {
		t.Errorf("history has %d entries, want 4", len(p.config.History))
	}

	l1 := tarHeaders(t, p.layers[1])
	for _, name := range []string{"etc/.wh.gone", "data/new", "app/hello"} {
		if l1[name] == nil {
			t.Errorf("layer 1 lacks %s; has %v", name, keys(l1))
		}
	}
	// overlay records the replaced directory as opaque; vfs can only diff
	// against the parent, so it whites out the old entry itself.
	opaque, perFile := l1["data/.wh..wh..opq"] != nil, l1["data/.wh.old"] != nil
	if !opaque && !perFile || l1["data/old"] != nil {
		t.Errorf("layer 1 does not hide data/old: has %v", keys(l1))
	}
	if st.Storage().GraphDriverName() == "overlay" && !opaque {
		t.Errorf("overlay layer lacks the opaque marker data/.wh..wh..opq: has %v", keys(l1))
	}
	if h := l1["app/owned"]; h == nil || h.Uid != 1000 || h.Gid != 1001 {
		t.Errorf("app/owned = %+v, want owner 1000:1001 as chowned in the rootfs", h)
	}
	for name, h := range l1 {
		if name != "app/owned" && (h.Uid != 0 || h.Gid != 0) {
			t.Errorf("%s is owned by %d:%d in the layer, want 0:0 (in-image ids)", name, h.Uid, h.Gid)
		}
	}
	l2 := tarHeaders(t, p.layers[2])
	if h := l2["etc/second"]; h == nil || h.Mode&0o777 != 0o600 {
		t.Errorf("layer 2 etc/second = %+v, want mode 0600", h)
	}
	if h := tarHeaders(t, p.layers[0])["home/user/"]; h == nil || h.Uid != 1000 {
		t.Errorf("base home/user = %+v, want uid 1000", h)
	}
}

func TestCommitScratchWithoutLayers(t *testing.T) {
	st := testStore(t)
	var cfg ImageSpec
	cfg.History = []ocispec.History{{CreatedBy: "LABEL a=b", EmptyLayer: true}}
	id, err := st.Commit(context.Background(), "", cfg, nil)
	must(t, err)
	img, err := st.Image(id)
	must(t, err)
	if len(img.Config.RootFS.DiffIDs) != 0 || img.Config.OS == "" || img.Config.Created == nil {
		t.Errorf("scratch image config = %+v", img.Config)
	}
}

func TestCommitRejectsHistoryThatDisagreesWithLayers(t *testing.T) {
	st := testStore(t)
	layer := writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), nil, 0o644))
	})
	cfg := ImageSpec{}
	cfg.History = []ocispec.History{{CreatedBy: "ENV A=1", EmptyLayer: true}}
	_, err := st.Commit(context.Background(), layer, cfg, []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "0 entries that add a layer, but the image has 1 layers") {
		t.Fatalf("Commit with history that adds no layer = %v, want a history/layer count error", err)
	}
	if imgs, _ := st.Images(); len(imgs) != 0 {
		t.Errorf("a failed commit left %d images", len(imgs))
	}
}

func TestFailedCommitMovesNoName(t *testing.T) {
	st := testStore(t)
	first, err := st.Commit(context.Background(), "", ImageSpec{}, []string{"keep"})
	must(t, err)
	layer := writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.Commit(ctx, layer, withHistory(ImageSpec{}, 1), []string{"keep"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit with a cancelled context = %v, want context.Canceled", err)
	}
	img, err := st.Image("keep")
	must(t, err)
	if img.ID != first {
		t.Errorf("name moved to %s by a failed commit", img.ID)
	}
	if imgs, _ := st.Images(); len(imgs) != 1 {
		t.Errorf("%d images after a failed commit, want 1", len(imgs))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
