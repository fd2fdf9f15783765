package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/storage"
)

// Image is an image in the store with its OCI config.
type Image struct {
	ID       string
	Names    []string
	TopLayer string
	Config   ImageSpec
	Digest   digest.Digest // manifest digest
	Created  time.Time
	Size     int64 // bytes of layers and metadata; -1 when unknown
	List     bool  // a manifest list (an index of other images of the store)
}

// Image returns an image by name, short name or ID (prefix ok).
func (s *Store) Image(nameOrID string) (*Image, error) {
	img, err := s.lookup(nameOrID)
	if err != nil {
		return nil, err
	}
	return s.describe(img)
}

// Images lists every image in the store. An image whose metadata cannot be
// read is still listed, with what is known, so it can be found and removed.
func (s *Store) Images() ([]Image, error) {
	imgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	out := make([]Image, 0, len(imgs))
	for i := range imgs {
		d, err := s.describe(&imgs[i])
		if err != nil {
			logrus.Debugf("reading image %s: %v", imgs[i].ID, err)
			d = basics(&imgs[i])
		}
		out = append(out, *d)
	}
	return out, nil
}

// lookup finds an image as the user names it: exactly, as
// "localhost/NAME:latest", or under the registry names a pull would give it.
func (s *Store) lookup(nameOrID string) (*storage.Image, error) {
	// "sha256:ID" is how digests print; accept it for an ID too.
	candidates := unpack.LocalNameSeq(nil, nameOrID)
	if id, ok := strings.CutPrefix(nameOrID, "sha256:"); ok {
		candidates = func(yield func(string) bool) {
			if yield(id) {
				unpack.LocalNameSeq(nil, nameOrID)(yield)
			}
		}
	}
	for n := range candidates {
		img, err := s.store.Image(n)
		if err == nil {
			return img, nil
		}
		if !errors.Is(err, storage.ErrImageUnknown) {
			return nil, fmt.Errorf("looking up image %q: %w", nameOrID, err)
		}
	}
	return nil, notFoundError{nameOrID}
}

// notFoundError is storage.ErrImageUnknown (for errors.Is) with a message
// that tells the user where to look.
type notFoundError struct{ name string }

func (e notFoundError) Error() string {
	return fmt.Sprintf("image %q not found in local storage (see `stagebox images`)", e.name)
}

func (e notFoundError) Unwrap() error { return storage.ErrImageUnknown }

// basics is the part of an Image that needs no big-data reads.
func basics(img *storage.Image) *Image {
	return &Image{
		ID:       img.ID,
		Names:    append([]string(nil), img.Names...),
		TopLayer: img.TopLayer,
		Digest:   img.Digest,
		Created:  img.Created,
		Size:     -1,
	}
}

// describe reads an image's manifest and config the way containers/image's
// storage destination stored them: the manifest under
// storage.ImageDigestBigDataKey, the config under its own digest.
func (s *Store) describe(img *storage.Image) (*Image, error) {
	out := basics(img)
	out.List = s.isList(img)
	cfg, d, err := s.config(img)
	if err != nil {
		return nil, err
	}
	out.Config = cfg
	if out.Digest == "" {
		out.Digest = d
	}
	if size, err := s.store.ImageSize(img.ID); err == nil {
		out.Size = size
	}
	return out, nil
}

// config reads an image's config and its manifest's digest.
func (s *Store) config(img *storage.Image) (ImageSpec, digest.Digest, error) {
	var cfg ImageSpec
	raw, err := s.store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
	if err != nil {
		return cfg, "", fmt.Errorf("reading the manifest of image %s: %w", shortID(img.ID), err)
	}
	if manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw)) {
		d, err := manifest.Digest(raw)
		return cfg, d, err // an image index (CommitList): no config of its own
	}
	m, err := manifest.FromBlob(raw, manifest.GuessMIMEType(raw))
	if err != nil {
		return cfg, "", fmt.Errorf("parsing the manifest of image %s: %w", shortID(img.ID), err)
	}
	blob, err := s.store.ImageBigData(img.ID, m.ConfigInfo().Digest.String())
	if err != nil {
		return cfg, "", fmt.Errorf("reading the config of image %s: %w", shortID(img.ID), err)
	}
	if err := json.Unmarshal(blob, &cfg); err != nil {
		return cfg, "", fmt.Errorf("parsing the config of image %s: %w", shortID(img.ID), err)
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return cfg, "", fmt.Errorf("digesting the manifest of image %s: %w", shortID(img.ID), err)
	}
	return cfg, d, nil
}

// Manifest returns the raw manifest of an image, for `inspect`.
func (s *Store) Manifest(nameOrID string) ([]byte, error) {
	img, err := s.lookup(nameOrID)
	if err != nil {
		return nil, err
	}
	raw, err := s.store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of image %s: %w", shortID(img.ID), err)
	}
	return raw, nil
}
