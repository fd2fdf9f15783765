package ocidir

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// entry is a tar entry for a synthetic layer: a name ending in "/" is a
// directory, anything else a file holding its own name.
type entry string

func layerTar(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: string(e), Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e))}
		if e[len(e)-1] == '/' {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(e))
		}
	}
	tw.Close()
	return buf.Bytes()
}

// writeLayout writes an image made of plain-tar layers, tagged "t".
func writeLayout(t *testing.T, layers ...[]byte) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
	put := func(data []byte) digest.Digest {
		d := digest.FromBytes(data)
		if err := os.WriteFile(blobPath(dir, d), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var cfg Config
	cfg.RootFS.Type = "layers"
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest}
	for _, l := range layers {
		d := put(l)
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, d)
		m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: int64(len(l))})
	}
	cj, _ := json.Marshal(cfg)
	m.Config = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: put(cj), Size: int64(len(cj))}
	mj, _ := json.Marshal(m)
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, Manifests: []ocispec.Descriptor{{
		MediaType: ocispec.MediaTypeImageManifest, Digest: put(mj), Size: int64(len(mj)),
		Annotations: map[string]string{ocispec.AnnotationRefName: "t"},
	}}}
	ij, _ := json.Marshal(idx)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), ij, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func names(fs Files) []string {
	var n []string
	for k := range fs {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

func TestFilesAppliesWhiteoutToLowerLayersOnly(t *testing.T) {
	dir := writeLayout(t,
		layerTar(t, "a/", "a/keep", "a/gone", "d/", "d/sub/", "d/sub/x"),
		layerTar(t, "a/", "a/.wh.gone", "a/new", ".wh.d"),
	)
	img, err := Read(dir, "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(img.Files()), []string{"a", "a/keep", "a/new"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
}

func TestFilesOpaqueDirectoryHidesOnlyLowerContent(t *testing.T) {
	dir := writeLayout(t,
		layerTar(t, "o/", "o/old"),
		layerTar(t, "o/", "o/.wh..wh..opq", "o/fresh"),
	)
	img, err := Read(dir, "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(img.Files()), []string{"o", "o/fresh"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
}

func TestReadRejectsALayerThatDoesNotMatchItsDiffID(t *testing.T) {
	dir := writeLayout(t, layerTar(t, "f"))
	var idx ocispec.Index
	readJSONFile(filepath.Join(dir, "index.json"), &idx)
	var m ocispec.Manifest
	readJSONBlob(dir, idx.Manifests[0], &m)
	// Corrupt the layer in place: same size, different bytes.
	p := blobPath(dir, m.Layers[0].Digest)
	data, _ := os.ReadFile(p)
	data[len(data)-1024] ^= 0xff
	os.WriteFile(p, data, 0o644)
	if _, err := Read(dir, "t"); err == nil {
		t.Error("a corrupted layer was accepted")
	}
}
