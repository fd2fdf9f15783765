package ocidir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image is one image read from a layout.
type Image struct {
	Dir                string
	ManifestDescriptor ocispec.Descriptor
	Manifest           ocispec.Manifest
	RawConfig          []byte
	Config             Config
	Layers             []Layer
}

// Read loads the image tagged tag (the org.opencontainers.image.ref.name
// annotation; "" accepts a layout holding a single image) and verifies it.
func Read(dir, tag string) (*Image, error) {
	var index ocispec.Index
	if err := readJSONFile(filepath.Join(dir, ocispec.ImageIndexFile), &index); err != nil {
		return nil, err
	}
	desc, err := findManifest(index, tag)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	img := &Image{Dir: dir, ManifestDescriptor: desc}
	if err := readJSONBlob(dir, desc, &img.Manifest); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	raw, err := readBlob(dir, img.Manifest.Config)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	img.RawConfig = raw
	if err := json.Unmarshal(raw, &img.Config); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if n, m := len(img.Config.RootFS.DiffIDs), len(img.Manifest.Layers); n != m {
		return nil, fmt.Errorf("config lists %d diff_ids for the manifest's %d layers", n, m)
	}
	for i, ld := range img.Manifest.Layers {
		l, err := readLayer(dir, ld, img.Config.RootFS.DiffIDs[i])
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, ld.Digest, err)
		}
		img.Layers = append(img.Layers, l)
	}
	if err := checkHistory(img.Config.History, len(img.Layers)); err != nil {
		return nil, err
	}
	return img, nil
}

func findManifest(index ocispec.Index, tag string) (ocispec.Descriptor, error) {
	if tag == "" && len(index.Manifests) == 1 {
		return index.Manifests[0], nil
	}
	for _, m := range index.Manifests {
		if m.Annotations[ocispec.AnnotationRefName] == tag {
			return m, nil
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("no image tagged %q in index.json", tag)
}

// checkHistory pins that each layer has exactly one history entry that is
// not marked empty_layer, which is what ties a layer to its step.
func checkHistory(h []History, layers int) error {
	if len(h) == 0 {
		return nil
	}
	nonEmpty := 0
	for _, e := range h {
		if !e.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != layers {
		return fmt.Errorf("history has %d entries without empty_layer for %d layers", nonEmpty, layers)
	}
	return nil
}

func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readJSONBlob(dir string, desc ocispec.Descriptor, v any) error {
	data, err := readBlob(dir, desc)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// readBlob reads a small blob whole and checks it against its descriptor.
func readBlob(dir string, desc ocispec.Descriptor) ([]byte, error) {
	data, err := os.ReadFile(blobPath(dir, desc.Digest))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != desc.Size {
		return nil, fmt.Errorf("blob %s is %d bytes, descriptor says %d", desc.Digest, len(data), desc.Size)
	}
	if got := digest.FromBytes(data); got != desc.Digest {
		return nil, fmt.Errorf("blob %s has digest %s", desc.Digest, got)
	}
	return data, nil
}

func blobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
}
