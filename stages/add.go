package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// addSources gives ADD its source: the context for local paths, a
// scratch directory holding the downloaded files for URLs, or the checkout
// of a git repository.
func (st *stageState) addSources(ctx context.Context, c *instructions.AddCommand) (copySource, func(), error) {
	urls := 0
	for _, s := range c.SourcePaths {
		if isURL(s) {
			urls++
		}
	}
	if err := addRefusal(c, true); err != nil { // after expansion: an ARG may have made a URL
		return copySource{}, nil, err
	}
	if urls > 0 || len(c.SourcePaths) == 1 && isGitSource(c.SourcePaths[0]) {
		if err := st.notCached(); err != nil { // a download is no cache lookup
			return copySource{}, nil, err
		}
	}
	if len(c.SourcePaths) == 1 && isGitSource(c.SourcePaths[0]) {
		return st.gitAddSource(ctx, c)
	}
	if urls == 0 {
		src, err := st.copySource(ctx, "")
		return src, func() {}, err
	}
	dir, err := os.MkdirTemp(st.b.runDir, "add-")
	if err != nil {
		return copySource{}, nil, fmt.Errorf("create download directory: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	for i, u := range c.SourcePaths {
		name, err := download(ctx, u, dir, c.Checksum)
		if err != nil {
			cleanup()
			return copySource{}, nil, err
		}
		c.SourcePaths[i] = name
	}
	return copySource{root: dir, fromContext: true, release: func() {}}, cleanup, nil
}

// download fetches u into dir under the URL's base name, verifying a
// `sha256:HEX` checksum when one is given. Remote archives are not
// extracted (Docker's rule), so the caller copies the file as it is.
func download(ctx context.Context, u, dir, checksum string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("%s: invalid URL: %w", u, err)
	}
	name := path.Base(parsed.Path)
	if name == "/" || name == "." || name == "" {
		name = "index.html"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w (is the network reachable from this host?)", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: server answered %s", u, resp.Status)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", u, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), resp.Body); err != nil {
		return "", fmt.Errorf("download %s: %w", u, err)
	}
	if checksum != "" {
		want, ok := strings.CutPrefix(checksum, "sha256:")
		if got := hex.EncodeToString(h.Sum(nil)); !ok || got != want {
			return "", fmt.Errorf("download %s: checksum mismatch: got sha256:%s, want %s", u, got, checksum)
		}
	}
	return name, nil
}
