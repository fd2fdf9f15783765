package unpack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/cyphar/filepath-securejoin/pathrs-lite"
)

// MkdirAllIn creates dir (and missing parents, mode 0755) inside root,
// resolving every component inside root, so a symlink in the rootfs can
// never send the mkdir to the host. It reports whether anything was made.
func MkdirAllIn(root, dir string) (bool, error) {
	p, err := securejoin.SecureJoin(root, dir)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", dir, err)
	}
	fi, err := os.Stat(p)
	switch {
	case err == nil && fi.IsDir():
		return false, nil
	case err == nil:
		return false, fmt.Errorf("%s exists and is not a directory", dir)
	case !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("stat %s: %w", dir, err)
	}
	if err := pathrs.MkdirAll(root, dir, 0o755); err != nil {
		return false, fmt.Errorf("mkdir %s: %w", dir, err)
	}
	return true, nil
}
