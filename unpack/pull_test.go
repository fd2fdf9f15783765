package unpack

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage"
)

// pullTestStore opens a private store; storage needs root (or a user
// namespace) to create layers.
func pullTestStore(t *testing.T) storage.Store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (or a user namespace) for containers-storage")
	}
	dir := t.TempDir()
	st, err := storage.GetStore(storage.StoreOptions{
		GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.Shutdown(true) })
	return st
}

// pullTestLayout writes a one-layer, uncompressed OCI layout holding one
// file, tagged tag ("" = untagged), and returns its config digest.
func pullTestLayout(t *testing.T, dir, tag, content string) digest.Digest {
	t.Helper()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	if err := tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := ocispec.Image{
		Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromBytes(layer.Bytes())}},
	}
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    pullTestBlob(t, dir, ocispec.MediaTypeImageConfig, pullTestJSON(t, cfg)),
		Layers:    []ocispec.Descriptor{pullTestBlob(t, dir, ocispec.MediaTypeImageLayer, layer.Bytes())},
	}
	md := pullTestBlob(t, dir, ocispec.MediaTypeImageManifest, pullTestJSON(t, m))
	if tag != "" {
		md.Annotations = map[string]string{ocispec.AnnotationRefName: tag}
	}
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{md}}
	pullTestWrite(t, filepath.Join(dir, "index.json"), pullTestJSON(t, idx))
	pullTestWrite(t, filepath.Join(dir, ocispec.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`))
	return m.Config.Digest
}

func pullTestBlob(t *testing.T, dir, mediaType string, data []byte) ocispec.Descriptor {
	t.Helper()
	d := digest.FromBytes(data)
	pullTestWrite(t, filepath.Join(dir, "blobs", "sha256", d.Encoded()), data)
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

func pullTestWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func pullTestJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A layout's tag names the image after the layout ("oci:DIR/base:latest" is
// localhost/base:latest, never localhost/latest).
func TestPullOCILayoutNamesImageAfterLayout(t *testing.T) {
	st := pullTestStore(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "base")
	cfgDigest := pullTestLayout(t, dir, "latest", "v1")
	p := &Puller{Store: st}

	id, err := p.Pull(ctx, "oci:"+dir+":latest", PullMissing)
	if err != nil {
		t.Fatal(err)
	}
	if id != cfgDigest.Encoded() {
		t.Errorf("image ID %s, want the config digest %s", id, cfgDigest.Encoded())
	}
	img, err := st.Image("localhost/base:latest")
	if err != nil || img.ID != id {
		t.Fatalf("localhost/base:latest = %v, %v; want image %s", img, err, id)
	}
	for _, name := range []string{"base", "base:latest", "localhost/base"} {
		got, err := p.Pull(ctx, name, PullNever)
		if err != nil || got != id {
			t.Errorf("Pull(%q, never) = %q, %v; want %s", name, got, err, id)
		}
	}
	got, err := p.Pull(ctx, "containers-storage:localhost/base:latest", PullNever)
	if err != nil || got != id {
		t.Errorf("Pull(containers-storage:...) = %q, %v; want %s", got, err, id)
	}
}

func TestPullRetagsWhenLayoutChanges(t *testing.T) {
	st := pullTestStore(t)
	ctx := context.Background()
	p := &Puller{Store: st}
	first, err := p.Pull(ctx, "oci:"+filepath.Join(t.TempDir(), "a")+":app", PullMissing)
	if err == nil {
		t.Fatalf("pulling a missing layout succeeded: %s", first)
	}
	// A REF that is a name names the image, wherever the layout is.
	dir := t.TempDir()
	pullTestLayout(t, dir, "app:latest", "one")
	first, err = p.Pull(ctx, "oci:"+dir+":app:latest", PullMissing)
	if err != nil {
		t.Fatal(err)
	}
	dir2 := filepath.Join(t.TempDir(), "app")
	pullTestLayout(t, dir2, "latest", "two")
	second, err := p.Pull(ctx, "oci:"+dir2+":latest", PullMissing)
	if err != nil {
		t.Fatal(err)
	}
	img, err := st.Image("localhost/app:latest")
	if err != nil || img.ID != second || first == second {
		t.Errorf("after re-pull localhost/app = %v (%v); first %s, second %s", img, err, first, second)
	}
	old, err := st.Image(first)
	if err != nil || slices.Contains(old.Names, "localhost/app:latest") {
		t.Errorf("old image %v still has the moved name (%v)", old, err)
	}
}

func TestPullUntaggedLayoutIsKnownByIDOnly(t *testing.T) {
	st := pullTestStore(t)
	dir := t.TempDir()
	cfgDigest := pullTestLayout(t, dir, "", "x")
	id, err := (&Puller{Store: st}).Pull(context.Background(), "oci:"+dir, PullMissing)
	if err != nil {
		t.Fatal(err)
	}
	img, err := st.Image(id)
	if err != nil || id != cfgDigest.Encoded() || len(img.Names) != 0 {
		t.Errorf("untagged pull = %s %v (%v), want ID %s and no names", id, img, err, cfgDigest.Encoded())
	}
}

func TestPullNeverReportsMissingImage(t *testing.T) {
	st := pullTestStore(t)
	_, err := (&Puller{Store: st}).Pull(context.Background(), "nothere", PullNever)
	want := `image "nothere" not found in local storage and --pull=never`
	if err == nil || err.Error() != want {
		t.Errorf("Pull(nothere, never) = %v, want %q", err, want)
	}
	dir := t.TempDir()
	pullTestLayout(t, dir, "x", "x")
	if _, err := (&Puller{Store: st}).Pull(context.Background(), "oci:"+dir+":x", PullNever); err == nil || !strings.Contains(err.Error(), "--pull=never") {
		t.Errorf("Pull(oci:..., never) of an absent image = %v", err)
	}
}

func TestParsePullPolicy(t *testing.T) {
	cases := map[string]PullPolicy{"": PullMissing, "missing": PullMissing, "false": PullMissing, "always": PullAlways, "true": PullAlways, "never": PullNever, "NEVER": PullNever}
	for in, want := range cases {
		got, err := ParsePullPolicy(in)
		if err != nil || got != want {
			t.Errorf("ParsePullPolicy(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParsePullPolicy("sometimes"); err == nil {
		t.Error("ParsePullPolicy(sometimes) succeeded")
	}
}

// pullTestDockerArchive writes a `docker save`-style archive whose
// manifest.json names the image with Docker's familiar form.
func pullTestDockerArchive(t *testing.T, path, repoTag string) {
	t.Helper()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	if err := tw.WriteHeader(&tar.Header{Name: "f", Mode: 0o644, Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := pullTestJSON(t, ocispec.Image{
		Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromBytes(layer.Bytes())}},
	})
	manifest := pullTestJSON(t, []map[string]any{{"Config": "config.json", "RepoTags": []string{repoTag}, "Layers": []string{"layer.tar"}}})
	var archive bytes.Buffer
	aw := tar.NewWriter(&archive)
	for _, f := range []struct {
		name string
		data []byte
	}{{"config.json", cfg}, {"layer.tar", layer.Bytes()}, {"manifest.json", manifest}} {
		if err := aw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := aw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	pullTestWrite(t, path, archive.Bytes())
}

func TestPullDockerArchiveKeepsDockerNames(t *testing.T) {
	st := pullTestStore(t)
	path := filepath.Join(t.TempDir(), "saved.tar")
	pullTestDockerArchive(t, path, "busybox:1.36")
	p := &Puller{Store: st}
	id, err := p.Pull(context.Background(), "docker-archive:"+path, PullMissing)
	if err != nil {
		t.Fatal(err)
	}
	img, err := st.Image(id)
	if err != nil || !slices.Equal(img.Names, []string{"docker.io/library/busybox:1.36"}) {
		t.Fatalf("docker-archive pull named %v (%v), want docker.io/library/busybox:1.36", img, err)
	}
	if got, err := p.Pull(context.Background(), "busybox:1.36", PullNever); err != nil || got != id {
		t.Errorf("Pull(busybox:1.36, never) = %q, %v; want %s", got, err, id)
	}
}
