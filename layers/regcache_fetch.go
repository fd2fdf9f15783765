package layers

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// FetchCache makes a registry cache hit local: it downloads e's layer onto
// parent (the layer e's step stood on, already local) and records it in the
// local cache under e's key, so later builds on this store hit it without
// the registry. The layer gets the ID containers/image and sealing give it
// (the chain ID), and storage keeps its tar-split, so a commit stands an
// image on it directly and the image's layer digests are the first
// runner's. A layer the store has already is not downloaded again.
func (s *Store) FetchCache(ctx context.Context, e *RemoteEntry, parent string) (string, error) {
	if id, ok := s.CachedLayer(e.Key); ok {
		return id, nil
	}
	id := chainID(parent, e.DiffID)
	if l, err := s.store.Layer(id); err == nil {
		return l.ID, s.nameEntry(l.ID, e.Key)
	}
	var layer string
	err := unpack.WithRetry(ctx, e.cache.reg, func() (err error) {
		layer, err = s.download(ctx, e, id, parent)
		return err
	})
	if err != nil {
		return "", e.cache.explain(err)
	}
	return layer, nil
}

// download stores e's layer as layer id on parent.
func (s *Store) download(ctx context.Context, e *RemoteEntry, id, parent string) (string, error) {
	rc, _, err := e.open(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	l, _, err := s.store.PutLayer(id, parent, []string{cachePrefix + e.Key}, "", false, nil, rc)
	if errors.Is(err, storage.ErrDuplicateName) || errors.Is(err, storage.ErrDuplicateID) {
		// A concurrent build fetched or built the same step first.
		if cached, ok := s.CachedLayer(e.Key); ok {
			return cached, nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("storing layer %s: %w", e.Layer.Digest, err)
	}
	if l.UncompressedDigest != e.DiffID {
		s.store.DeleteLayer(l.ID)
		return "", fmt.Errorf("cache %s: layer %s holds diff %s, but its entry says %s: rebuild without --cache-from and republish with --cache-to", e.cache, e.Layer.Digest, l.UncompressedDigest, e.DiffID)
	}
	return l.ID, nil
}

// nameEntry makes layerID the local cache entry for key.
func (s *Store) nameEntry(layerID, key string) error {
	if err := s.store.AddNames(layerID, []string{cachePrefix + key}); err != nil {
		return fmt.Errorf("record cache entry for layer %s: %w", shortID(layerID), err)
	}
	return nil
}

// open streams e's compressed layer blob from its cache repository.
func (e *RemoteEntry) open(ctx context.Context) (io.ReadCloser, int64, error) {
	ref := e.src
	if ref == nil {
		var err error
		if ref, err = e.cache.ref(e.Key); err != nil {
			return nil, -1, err
		}
	}
	src, err := ref.NewImageSource(ctx, e.cache.sys)
	if err != nil {
		return nil, -1, err
	}
	rc, size, err := src.GetBlob(ctx, types.BlobInfo{Digest: e.Layer.Digest, Size: e.Layer.Size, MediaType: e.Layer.MediaType}, none.NoCache)
	if err != nil {
		src.Close()
		return nil, -1, fmt.Errorf("downloading layer %s: %w", e.Layer.Digest, err)
	}
	return closeBoth{rc, src}, size, nil
}

// closeBoth is a blob stream that also closes the source it came from.
type closeBoth struct {
	io.ReadCloser
	src types.ImageSource
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	if serr := c.src.Close(); err == nil {
		err = serr
	}
	return err
}
