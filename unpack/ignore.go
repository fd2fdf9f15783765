package unpack

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher/ignorefile"
)

// LoadIgnore returns the .dockerignore patterns for a build. An explicit
// ignoreFile (--ignorefile) wins and must exist; otherwise
// "<Dockerfile>.dockerignore" next to the Dockerfile, then ".dockerignore" in
// the context directory. No file means no patterns. dockerfilePath may be ""
// or "-" when the Dockerfile comes from stdin. Files inside the context are
// read as COPY reads it (ReadFileIn): the context may be a stranger's, and
// its .dockerignore a symlink to a host file; files the operator named
// outside it are read as given.
func LoadIgnore(contextDir, dockerfilePath, ignoreFile string) ([]string, error) {
	if ignoreFile != "" {
		patterns, found, err := readIgnore(contextDir, ignoreFile)
		if err == nil && !found {
			err = fmt.Errorf("ignore file %s does not exist; check --ignorefile", ignoreFile)
		}
		return patterns, err
	}
	if dockerfilePath != "" && dockerfilePath != "-" {
		patterns, found, err := readIgnore(contextDir, dockerfilePath+".dockerignore")
		if found || err != nil {
			return patterns, err
		}
	}
	patterns, _, err := readIgnore(contextDir, filepath.Join(contextDir, ".dockerignore"))
	return patterns, err
}

// ContextPath reports whether path lies inside contextDir (lexically, as
// written) and, if so, its path relative to contextDir.
func ContextPath(contextDir, path string) (string, bool) {
	ctx, err1 := filepath.Abs(contextDir)
	abs, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(ctx, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

func readIgnore(contextDir, path string) (patterns []string, found bool, err error) {
	var data []byte
	if rel, inside := ContextPath(contextDir, path); inside {
		data, found, err = readIgnoreIn(contextDir, rel)
	} else {
		data, found, err = readIgnoreOutside(path)
	}
	if err != nil || !found {
		return nil, found, wrapIgnoreErr(path, err)
	}
	patterns, err = ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil, true, fmt.Errorf("reading %s: %w", path, err)
	}
	return patterns, true, nil
}

func readIgnoreOutside(path string) ([]byte, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err := ReadFileLimited(f, maxIgnoreFileSize)
	return data, err == nil, err
}

func wrapIgnoreErr(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("reading %s: %w", path, err)
}
