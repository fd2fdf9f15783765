package layers

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestPushCompressesLayersAsAsked(t *testing.T) {
	st := testStore(t)
	base, err := st.Image(pullBase(t, st))
	must(t, err)
	top := buildChain(t, st, base.TopLayer, true)
	id, err := st.Commit(context.Background(), top, withHistory(base.Config, 2), nil)
	must(t, err)
	for algo, mediaType := range map[string]string{
		"":     ocispec.MediaTypeImageLayerGzip,
		"gzip": ocispec.MediaTypeImageLayerGzip,
		"zstd": ocispec.MediaTypeImageLayerZstd,
	} {
		out := filepath.Join(t.TempDir(), "out")
		must(t, st.Push(context.Background(), id, "oci:"+out+":x", WithCompression(algo)))
		p := readLayout(t, out)
		for i, l := range p.manifest.Layers {
			if l.MediaType != mediaType {
				t.Errorf("compression %q: layer %d is %s, want %s", algo, i, l.MediaType, mediaType)
			}
			// Every layer, the pulled gzip base too, reads back to its diff ID.
			if got := digest.FromBytes(p.layers[i]); got != p.config.RootFS.DiffIDs[i] {
				t.Errorf("compression %q: layer %d decompresses to %s, diff ID %s", algo, i, got, p.config.RootFS.DiffIDs[i])
			}
		}
	}
}

func TestPushRefusesAnUnknownCompression(t *testing.T) {
	st := testStore(t)
	id, err := st.Commit(context.Background(), "", ImageSpec{}, nil)
	must(t, err)
	err = st.Push(context.Background(), id, "oci:"+t.TempDir()+":x", WithCompression("lz4"))
	if err == nil || !strings.Contains(err.Error(), `unknown compression "lz4"`) {
		t.Fatalf("Push with lz4 = %v, want an unknown-compression error", err)
	}
}
