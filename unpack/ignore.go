package unpack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher/ignorefile"
)

// LoadIgnore returns the .dockerignore patterns for a build. An explicit
// ignoreFile (--ignorefile) wins and must exist; otherwise
// "<Dockerfile>.dockerignore" next to the Dockerfile, then ".dockerignore" in
// the context directory. No file means no patterns. dockerfilePath may be ""
// or "-" when the Dockerfile comes from stdin.
func LoadIgnore(contextDir, dockerfilePath, ignoreFile string) ([]string, error) {
	if ignoreFile != "" {
		patterns, found, err := readIgnore(ignoreFile)
		if err == nil && !found {
			err = fmt.Errorf("ignore file %s does not exist; check --ignorefile", ignoreFile)
		}
		return patterns, err
	}
	if dockerfilePath != "" && dockerfilePath != "-" {
		patterns, found, err := readIgnore(dockerfilePath + ".dockerignore")
		if found || err != nil {
			return patterns, err
		}
	}
	patterns, _, err := readIgnore(filepath.Join(contextDir, ".dockerignore"))
	return patterns, err
}

func readIgnore(path string) (patterns []string, found bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	patterns, err = ignorefile.ReadAll(f)
	if err != nil {
		return nil, true, fmt.Errorf("reading %s: %w", path, err)
	}
	return patterns, true, nil
}
