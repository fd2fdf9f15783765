package unpack

import (
	"os"

	"go.podman.io/image/v5/types"
)

// WithTempDir returns sys (copied, never changed; nil stays nil when
// nothing is to set) with BigFilesTemporaryDir taken from $TMPDIR when it
// is set and sys names none: containers/image otherwise always stages
// pulled and committed blobs in /var/tmp, which fails on a read-only root
// filesystem even when TMPDIR points at a writable one.
func WithTempDir(sys *types.SystemContext) *types.SystemContext {
	dir := os.Getenv("TMPDIR")
	if dir == "" || (sys != nil && sys.BigFilesTemporaryDir != "") {
		return sys
	}
	out := &types.SystemContext{}
	if sys != nil {
		*out = *sys
	}
	out.BigFilesTemporaryDir = dir
	return out
}
