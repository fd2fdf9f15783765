package layers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// The registry cache format (docs/cache-format.md): one tag per step key,
// REPO:sb-<key>, holding an OCI image manifest with exactly one layer, the
// step's diff. Manifest annotations carry the key and its parent's key and
// the layer descriptor carries the diff ID, so a lookup is one manifest GET
// and never a blob GET: a hit is a descriptor until its bytes are needed.
const (
	cacheTagPrefix      = "sb-"
	annotationKey       = "io.stagebox.cache.key"
	annotationParentKey = "io.stagebox.cache.parent"
	annotationDiffID    = "io.stagebox.cache.diff-id"
	annotationFormat    = "io.stagebox.cache.format"
	cacheFormatVersion  = "1"
)

// RegistryCache is a build cache kept in one registry repository, shared by
// every runner that can reach it.
type RegistryCache struct {
	repo reference.Named
	reg  unpack.RegistryOptions
	sys  *types.SystemContext
}

// ParseCacheRepo checks a --cache-to/--cache-from value: a registry
// repository ("registry/path", with or without docker://), no tag.
func ParseCacheRepo(repo string) (reference.Named, error) {
	named, err := reference.ParseNormalizedNamed(strings.TrimPrefix(repo, "docker://"))
	if err != nil {
		return nil, fmt.Errorf("cache repository %q: %w", repo, err)
	}
	if !reference.IsNameOnly(named) {
		return nil, fmt.Errorf("cache repository %q: name a repository without a tag or digest, such as registry.example.com/team/cache", repo)
	}
	return named, nil
}

// NewRegistryCache opens the cache in repo (as ParseCacheRepo takes it),
// reached with reg's options (TLS, credentials, retries). Nothing is
// contacted until the first lookup.
func NewRegistryCache(repo string, reg unpack.RegistryOptions) (*RegistryCache, error) {
	named, err := ParseCacheRepo(repo)
	if err != nil {
		return nil, err
	}
	sys, err := reg.SystemContext()
	if err != nil {
		return nil, err
	}
	return &RegistryCache{repo: named, reg: reg, sys: sys}, nil
}

// explain turns a registry failure into the one line that says what to do.
func (c *RegistryCache) explain(err error) error {
	return unpack.Explain(fmt.Errorf("cache %s: %w", c, err), c.sys, c.reg)
}

// String is the repository, as messages name it.
func (c *RegistryCache) String() string { return c.repo.String() }

// RemoteEntry is a cache hit in a registry: where the step's layer is and
// what it holds, without its bytes.
type RemoteEntry struct {
	Key    string
	Parent string             // the key the step stood on
	Layer  ocispec.Descriptor // the compressed layer blob in the cache repository
	DiffID digest.Digest      // the digest of the uncompressed layer
	cache  *RegistryCache
	src    types.ImageReference // an image holding the blob; nil: the entry's tag
}

// Cache is the repository the entry was found in.
func (e *RemoteEntry) Cache() *RegistryCache { return e.cache }

// ref is the tag holding key's entry.
func (c *RegistryCache) ref(key string) (types.ImageReference, error) {
	tagged, err := reference.WithTag(c.repo, cacheTagPrefix+key)
	if err != nil {
		return nil, fmt.Errorf("cache tag for key %.12s: %w", key, err)
	}
	return docker.NewReference(tagged)
}

// Lookup returns key's entry, or nil when the cache has none. It costs one
// manifest request. Errors are the registry failing, not a miss.
func (c *RegistryCache) Lookup(ctx context.Context, key string) (*RemoteEntry, error) {
	ref, err := c.ref(key)
	if err != nil {
		return nil, err
	}
	var src types.ImageSource
	missing := false
	err = unpack.WithRetry(ctx, c.reg, func() (err error) {
		src, err = ref.NewImageSource(ctx, c.sys)
		if err != nil && isManifestUnknown(err) {
			missing = true
			return nil
		}
		return err
	})
	if err != nil {
		return nil, c.explain(err)
	}
	if missing {
		return nil, nil
	}
	defer src.Close()
	raw, _, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cache %s: reading entry %.12s: %w", c, key, err)
	}
	return c.parseEntry(key, raw)
}

// parseEntry checks that a manifest is a stagebox cache entry for key.
func (c *RegistryCache) parseEntry(key string, raw []byte) (*RemoteEntry, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("cache %s: entry %.12s is not an OCI manifest: %w", c, key, err)
	}
	if m.Annotations[annotationKey] != key || len(m.Layers) != 1 {
		return nil, fmt.Errorf("cache %s: tag %s%.12s... is not a stagebox cache entry for its key", c, cacheTagPrefix, key)
	}
	diffID, err := digest.Parse(m.Layers[0].Annotations[annotationDiffID])
	if err != nil {
		return nil, fmt.Errorf("cache %s: entry %.12s has no valid diff ID: %w", c, key, err)
	}
	return &RemoteEntry{Key: key, Parent: m.Annotations[annotationParentKey], Layer: m.Layers[0], DiffID: diffID, cache: c}, nil
}

// isManifestUnknown tells a missing tag (a cache miss) from a failure.
func isManifestUnknown(err error) bool {
	var ec errcode.ErrorCoder
	if errors.As(err, &ec) && (ec.ErrorCode() == v2.ErrorCodeManifestUnknown || ec.ErrorCode() == v2.ErrorCodeNameUnknown) {
		return true
	}
	return strings.Contains(err.Error(), "manifest unknown")
}
