package layers

import (
	"strings"

	"github.com/stagebox/stagebox/unpack"
	storage "go.podman.io/storage"
)

// archiveDest names a docker-archive destination given without a :REF
// after the image's first name, as podman does, so that `docker load`
// tags what it loads instead of leaving an unnamed image.
func archiveDest(dest string, img *storage.Image) string {
	if !strings.HasPrefix(dest, "docker-archive:") || len(img.Names) == 0 {
		return dest
	}
	ref, err := unpack.ParseReference(dest)
	if err != nil || ref.DockerReference() != nil {
		return dest // a parse error is reported by the push itself
	}
	return dest + ":" + img.Names[0]
}
