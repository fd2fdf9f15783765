package layers

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage/pkg/archive"
)

// pushed is an image read back from an OCI layout.
type pushed struct {
	manifest ocispec.Manifest
	config   ImageSpec
	layers   [][]byte // uncompressed tars
}

func readLayout(t *testing.T, dir string) pushed {
	t.Helper()
	var idx ocispec.Index
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	if len(idx.Manifests) != 1 {
		t.Fatalf("layout has %d manifests, want 1", len(idx.Manifests))
	}
	var p pushed
	readJSON(t, blobPath(dir, idx.Manifests[0].Digest), &p.manifest)
	readJSON(t, blobPath(dir, p.manifest.Config.Digest), &p.config)
	for _, l := range p.manifest.Layers {
		f, err := os.Open(blobPath(dir, l.Digest))
		if err != nil {
			t.Fatal(err)
		}
		rc, err := archive.DecompressStream(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		p.layers = append(p.layers, data)
	}
	return p
}

func blobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// tarHeaders lists a tar's headers by name.
func tarHeaders(t *testing.T, data []byte) map[string]*tar.Header {
	t.Helper()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}
