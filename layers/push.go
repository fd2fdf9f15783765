package layers

import (
	"fmt"

	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"
)

// PushOption changes how Push writes an image.
type PushOption func(*pushConfig) error

type pushConfig struct {
	compression  *compression.Algorithm
	manifestType string // push --format: "" keeps the image's own
}

// Compressions are the layer compressions WithCompression accepts.
var Compressions = []string{"gzip", "zstd"}

// WithCompression compresses the layers Push writes with algo ("gzip" or
// "zstd"), where the destination compresses at all (a registry, oci:,
// oci-archive:; docker-archive: and dir: keep layers as they are). Layers
// already compressed another way are recompressed. Both compressors run
// on every core: gzip is klauspost/pgzip, zstd klauspost's encoder.
func WithCompression(algo string) PushOption {
	return func(c *pushConfig) error {
		if algo == "" {
			return nil
		}
		switch algo {
		case "gzip":
			c.compression = &compression.Gzip
		case "zstd":
			c.compression = &compression.Zstd
		default:
			return fmt.Errorf("unknown compression %q: use gzip or zstd", algo)
		}
		return nil
	}
}

func newPushConfig(opts []PushOption) (pushConfig, error) {
	var c pushConfig
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// destContext is the destination side's system context for c.
func (c pushConfig) destContext() *types.SystemContext {
	if c.compression == nil {
		return nil
	}
	return &types.SystemContext{CompressionFormat: c.compression}
}
