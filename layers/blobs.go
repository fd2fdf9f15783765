package layers

import (
	"fmt"
	"io"
	"os"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/storage"
)

// layerChain returns the layers from the base up to top ("" = none).
func layerChain(st storage.Store, top string) ([]*storage.Layer, error) {
	return chainOf(st.Layer, top)
}

// chainOf is layerChain with each layer read by get.
func chainOf(get func(id string) (*storage.Layer, error), top string) ([]*storage.Layer, error) {
	var chain []*storage.Layer
	for id := top; id != ""; {
		l, err := get(id)
		if err != nil {
			return nil, fmt.Errorf("reading layer %s: %w", shortID(id), err)
		}
		chain = append(chain, l)
		id = l.Parent
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, nil
}

// prepareBlob finds the digest and size of a layer's uncompressed tar. A
// layer applied from a tar (a pulled or committed one) already records
// them, and storage reproduces that exact tar, so it is streamed later. A
// working layer is diffed once into tmpDir while hashing.
func prepareBlob(st storage.Store, l *storage.Layer, tmpDir string) (digest.Digest, layerBlob, error) {
	if l.UncompressedDigest != "" && l.UncompressedSize > 0 {
		return l.UncompressedDigest, layerBlob{layerID: l.ID, size: l.UncompressedSize}, nil
	}
	rc, err := diffLayer(st, l.ID)
	if err != nil {
		return "", layerBlob{}, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(tmpDir, "layer-*.tar")
	if err != nil {
		return "", layerBlob{}, fmt.Errorf("creating a file for the diff of layer %s: %w", shortID(l.ID), err)
	}
	defer f.Close()
	digester := digest.Canonical.Digester()
	size, err := io.Copy(io.MultiWriter(f, digester.Hash()), rc)
	if err != nil {
		return "", layerBlob{}, fmt.Errorf("diffing layer %s: %w", shortID(l.ID), err)
	}
	if err := f.Close(); err != nil {
		return "", layerBlob{}, fmt.Errorf("writing the diff of layer %s: %w", shortID(l.ID), err)
	}
	return digester.Digest(), layerBlob{layerID: l.ID, path: f.Name(), size: size}, nil
}
