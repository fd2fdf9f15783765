package unpack

import (
	"errors"
	"fmt"
	"io"
	"os"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// ErrTooLarge is returned by ReadFileIn and ReadFileLimited for a file
// longer than the limit.
var ErrTooLarge = errors.New("file is too large")

// ReadFileIn reads name, a path inside root, resolving every symlink on the
// way inside root as COPY does: a Dockerfile or .dockerignore in a build
// context that links to /etc/shadow or /proc/self/environ reads the
// context's own (missing) file, never the host's. Only a regular file is
// read, so a fifo cannot hang the build, and at most limit bytes.
// A missing file is an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadFileIn(root, name string, limit int64) ([]byte, error) {
	h, err := pathrs.OpenInRoot(root, name)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(h.Fd()), &st); err != nil {
		return nil, fmt.Errorf("inspecting %s: %w", name, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadFileLimited(f, limit)
}

// ReadFileLimited reads r to its end, failing with ErrTooLarge past limit
// bytes (a Dockerfile given as /dev/zero must not exhaust memory).
func ReadFileLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %s", ErrTooLarge, byteSize(limit))
	}
	return data, nil
}

// maxIgnoreFileSize bounds a .dockerignore as BuildKit bounds a Dockerfile.
const maxIgnoreFileSize = 16 << 20

// readIgnoreIn reads the .dockerignore at name inside root.
func readIgnoreIn(root, name string) ([]byte, bool, error) {
	data, err := ReadFileIn(root, name, maxIgnoreFileSize)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	return data, err == nil, err
}
