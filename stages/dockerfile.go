package stages

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stagebox/stagebox/unpack"
)

// checkContext fails fast, naming the cause, on a context that is not a
// directory stagebox can read: later failures (a missing Dockerfile, an
// unreadable .dockerignore) would hide the real problem.
func checkContext(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("build context %q cannot be opened: %w", dir, pathCause(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("build context %q: %w", dir, pathCause(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("build context %q is not a directory: pass a directory as the last argument", dir)
	}
	if _, err := f.Readdirnames(1); err != nil && err != io.EOF {
		return fmt.Errorf("build context %q cannot be read: %w", dir, pathCause(err))
	}
	return nil
}

// pathCause drops the path an *fs.PathError repeats.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readDockerfile returns the Dockerfile's path ("Dockerfile" for stdin) and
// content. The default is <context>/Dockerfile (or Containerfile); a
// relative -f is relative to the current directory, as with docker and
// buildah. A Dockerfile inside the context is read the way COPY reads the
// context, symlinks resolved inside it: a stranger's context whose
// Dockerfile links to /etc/shadow must not get a host line echoed in an
// "unknown instruction" error. A -f outside the context is the operator's
// own choice and is read as given (a pipe such as <(...) included).
func readDockerfile(o Options) (string, []byte, error) {
	if o.DockerfileContent != nil || o.Dockerfile == "-" {
		return "Dockerfile", o.DockerfileContent, nil
	}
	var path string
	var data []byte
	var err error
	rel, inside := unpack.ContextPath(o.ContextDir, o.Dockerfile)
	switch {
	case o.Dockerfile == "":
		inside = true
		path, data, err = readInContext(o.ContextDir, "Dockerfile")
		if errors.Is(err, fs.ErrNotExist) {
			if p, d, err2 := readInContext(o.ContextDir, "Containerfile"); !errors.Is(err2, fs.ErrNotExist) {
				path, data, err = p, d, err2
			}
		}
	case inside:
		path, data, err = readInContext(o.ContextDir, rel)
	default:
		path = o.Dockerfile
		data, err = readOutside(path)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist) && inside:
		return "", nil, fmt.Errorf("read Dockerfile: %s does not exist in the build context, where symlinks resolve inside the context (pass -f PATH or put a Dockerfile in the context directory)", path)
	case errors.Is(err, fs.ErrNotExist):
		return "", nil, fmt.Errorf("read Dockerfile: %s does not exist", path)
	case errors.Is(err, unpack.ErrTooLarge):
		return "", nil, &Error{File: filepath.Base(path), Err: fmt.Errorf("file is larger than %d MiB", maxDockerfileSize>>20)}
	case err != nil:
		return "", nil, fmt.Errorf("read Dockerfile %s: %w", path, pathCause(err))
	}
	return path, data, nil
}

func readInContext(contextDir, rel string) (string, []byte, error) {
	data, err := unpack.ReadFileIn(contextDir, rel, maxDockerfileSize)
	return filepath.Join(contextDir, rel), data, err
}

func readOutside(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return unpack.ReadFileLimited(f, maxDockerfileSize)
}
