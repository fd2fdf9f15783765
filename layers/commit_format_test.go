package layers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
)

func TestCommitDockerFormatStoresASchema2Manifest(t *testing.T) {
	st := testStore(t)
	top := writeRecordedLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
	})
	cfg := ImageSpec{}
	cfg.History = []ocispec.History{{CreatedBy: "COPY f /f"}}
	created := time.Unix(1_000_000_000, 0).UTC()
	cfg.Created = &created
	id, err := st.Commit(context.Background(), top, cfg, []string{"docker-fmt"}, WithFormat("docker"))
	must(t, err)
	raw, err := st.Manifest(id)
	must(t, err)
	if mt := manifest.GuessMIMEType(raw); mt != manifest.DockerV2Schema2MediaType {
		t.Fatalf("manifest type %q, want Docker schema 2:\n%s", mt, raw)
	}
	m, err := manifest.Schema2FromManifest(raw)
	must(t, err)
	if m.ConfigDescriptor.MediaType != manifest.DockerV2Schema2ConfigMediaType || len(m.LayersDescriptors) != 1 ||
		m.LayersDescriptors[0].MediaType != manifest.DockerV2SchemaLayerMediaTypeUncompressed {
		t.Errorf("manifest %s", raw)
	}

	// The same config committed as OCI is the same image, now OCI.
	id2, err := st.Commit(context.Background(), top, cfg, nil, WithAnnotations(map[string]string{"k": "v"}))
	must(t, err)
	raw, err = st.Manifest(id2)
	must(t, err)
	oci, err := manifest.OCI1FromManifest(raw)
	must(t, err)
	if id2 != id || oci.MediaType != ocispec.MediaTypeImageManifest || oci.Annotations["k"] != "v" {
		t.Errorf("OCI commit of the same config: id %s (first %s), manifest %s", id2, id, raw)
	}
}

func TestCommitWithoutHistory(t *testing.T) {
	st := testStore(t)
	top := writeRecordedLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
	})
	id, err := st.Commit(context.Background(), top, ImageSpec{}, nil)
	must(t, err)
	img, err := st.Image(id)
	must(t, err)
	if len(img.Config.History) != 0 || len(img.Config.RootFS.DiffIDs) != 1 {
		t.Errorf("history %v, diff IDs %v", img.Config.History, img.Config.RootFS.DiffIDs)
	}
}

func TestRewriteTimesClampsOrSets(t *testing.T) {
	st := testStore(t)
	epoch := time.Unix(1_000_000_000, 0)
	old := time.Unix(900_000_000, 0)
	mk := func() string {
		return writeLayer(t, st, "", func(root string) {
			must(t, os.MkdirAll(filepath.Join(root, "d"), 0o755))
			must(t, os.WriteFile(filepath.Join(root, "d/new"), nil, 0o644))
			must(t, os.WriteFile(filepath.Join(root, "old"), nil, 0o644))
			must(t, os.Chtimes(filepath.Join(root, "old"), old, old))
			must(t, os.Symlink("new", filepath.Join(root, "d/link")))
		})
	}
	for _, force := range []bool{false, true} {
		id := mk()
		must(t, st.RewriteTimes(id, epoch, force))
		root, err := st.Mount(id)
		must(t, err)
		want := map[string]time.Time{"d": epoch, "d/new": epoch, "d/link": epoch, "old": old}
		if force {
			want["old"] = epoch
		}
		for name, w := range want {
			fi, err := os.Lstat(filepath.Join(root, name))
			must(t, err)
			if !fi.ModTime().Equal(w) {
				t.Errorf("force=%t: %s has mtime %v, want %v", force, name, fi.ModTime(), w)
			}
		}
		must(t, st.Unmount(id))
	}
}

func TestCachedLayerSinceIgnoresOlderEntries(t *testing.T) {
	st := testStore(t)
	id := writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
	})
	entry := record(t, st, id, "ttl-key")
	if got, ok := st.CachedLayerSince("ttl-key", time.Now().Add(-time.Hour)); !ok || got != entry {
		t.Errorf("an entry recorded just now is not found with a one-hour TTL")
	}
	if _, ok := st.CachedLayerSince("ttl-key", time.Now().Add(time.Second)); ok {
		t.Errorf("an entry older than the bound was found")
	}
}

func TestRewriteTimesRefusedWithoutLayerDiffs(t *testing.T) {
	if err := testStore(t).CanRewriteTimes(); err != nil {
		t.Errorf("overlay store: %v", err)
	}
	st := testStoreWith(t, "vfs")
	err := st.CanRewriteTimes()
	if err == nil || !strings.Contains(err.Error(), "overlay") {
		t.Fatalf("vfs store: CanRewriteTimes = %v, want a refusal naming overlay", err)
	}
	id := writeLayer(t, st, "", func(root string) {})
	if err := st.RewriteTimes(id, time.Unix(0, 0), false); err == nil {
		t.Errorf("RewriteTimes on vfs succeeded")
	}
}
