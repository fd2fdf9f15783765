package layers

import (
	"fmt"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/manifest"
)

// WithPushFormat converts the pushed image's manifest and config to format
// ("oci" or "docker"; "" keeps the image's own), as buildah's push --format.
func WithPushFormat(format string) PushOption {
	return func(c *pushConfig) error {
		switch format {
		case "":
			c.manifestType = ""
		case "oci":
			c.manifestType = ocispec.MediaTypeImageManifest
		case "docker":
			c.manifestType = manifest.DockerV2Schema2MediaType
		default:
			return fmt.Errorf("unknown image format %q: use %s", format, strings.Join(Formats, " or "))
		}
		return nil
	}
}

// ValidFormat reports whether format is one Commit and Push write.
func ValidFormat(format string) bool { return slices.Contains(Formats, format) }

// manifestFormat is the copy tweak that forces the manifest type, if any.
func (c pushConfig) manifestFormat(o *copy.Options) {
	o.ForceManifestMIMEType = c.manifestType
}
