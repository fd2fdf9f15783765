package layers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/storage/pkg/reexec"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// entry is one file in a fixture layer.
type entry struct {
	name     string
	mode     int64
	body     string
	dir      bool
	uid, gid int
}

// baseEntries is the fixture base image: a file to delete, a directory to
// make opaque, a file owned by a non-root user.
var baseEntries = []entry{
	{name: "etc/", dir: true, mode: 0o755},
	{name: "etc/passwd", mode: 0o644, body: "root:x:0:0:root:/root:/bin/sh\n"},
	{name: "etc/gone", mode: 0o644, body: "delete me\n"},
	{name: "data/", dir: true, mode: 0o755},
	{name: "data/old", mode: 0o644, body: "old\n"},
	{name: "home/", dir: true, mode: 0o755},
	{name: "home/user/", dir: true, mode: 0o700, uid: 1000, gid: 1000},
}

func tarOf(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeLayout writes a one-layer OCI layout at dir whose manifest is tagged
// tag, and returns the config it wrote.
func writeLayout(t *testing.T, dir, tag string, entries []entry) ImageSpec {
	t.Helper()
	layer := tarOf(t, entries)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(layer); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	created := time.Unix(1700000000, 0).UTC()
	var cfg ImageSpec
	cfg.Created = &created
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Env = []string{"PATH=/bin"}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromBytes(layer)}}
	cfg.History = []ocispec.History{{CreatedBy: "fixture", Created: &created}}
	cfgBytes := mustJSON(t, cfg)
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    putBlob(t, dir, ocispec.MediaTypeImageConfig, cfgBytes),
		Layers:    []ocispec.Descriptor{putBlob(t, dir, ocispec.MediaTypeImageLayerGzip, gz.Bytes())},
	}
	md := putBlob(t, dir, ocispec.MediaTypeImageManifest, mustJSON(t, m))
	md.Annotations = map[string]string{ocispec.AnnotationRefName: tag}
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{md}}
	writeFile(t, filepath.Join(dir, "index.json"), mustJSON(t, idx))
	writeFile(t, filepath.Join(dir, ocispec.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`))
	return cfg
}

func putBlob(t *testing.T, dir, mediaType string, data []byte) ocispec.Descriptor {
	t.Helper()
	d := digest.FromBytes(data)
	writeFile(t, filepath.Join(dir, "blobs", "sha256", d.Encoded()), data)
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testStore opens a private overlay store; it needs root (or a user
// namespace) to mount.
func testStore(t *testing.T) *Store {
	t.Helper()
	return testStoreWith(t, "overlay")
}

// testStoreWith opens a private store with the given driver.
func testStoreWith(t *testing.T, driver string) *Store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (or a user namespace) to mount overlay layers")
	}
	dir := t.TempDir()
	st, err := Open(Options{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), Driver: driver})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Shutdown)
	return st
}

// pullBase imports the fixture base image as localhost/base:latest and
// returns its ID.
func pullBase(t *testing.T, st *Store) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "base") // named after the layout: localhost/base:latest
	writeLayout(t, dir, "latest", baseEntries)
	p := &unpack.Puller{Store: st.Storage()}
	id, err := p.Pull(context.Background(), "oci:"+dir+":latest", unpack.PullMissing)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
