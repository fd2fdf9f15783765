package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cacheRegistry is a plain-HTTP test registry (serveRegistry) reached
// through a registries.conf marking it insecure, and what the cache tests
// read from its access log.
type cacheRegistry struct {
	*registry
	env opts // for stagebox: CONTAINERS_REGISTRIES_CONF
}

func startCacheRegistry(t *testing.T) *cacheRegistry {
	t.Helper()
	r := &cacheRegistry{registry: serveRegistry(t, registryOptions{})}
	dir, err := os.MkdirTemp(workDir, "registries-conf-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(dir) })
	must(t, os.Chmod(dir, 0o755))
	conf := filepath.Join(dir, "registries.conf")
	writeFile(t, conf, fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", r.Host))
	r.env = opts{env: []string{"CONTAINERS_REGISTRIES_CONF=" + conf}}
	return r
}

// mark is the access log's length now, for counting what follows.
func (r *cacheRegistry) mark() int { return len(r.Log()) }

// blobGets counts the blob downloads of repo since mark.
func (r *cacheRegistry) blobGets(repo string, mark int) int {
	re := regexp.MustCompile(`"GET /v2/` + regexp.QuoteMeta(repo) + `/blobs/sha256:[0-9a-f]{64} `)
	return len(re.FindAllString(r.Log()[mark:], -1))
}

// blobGot counts the downloads of one blob (hex digest) of repo since mark.
func (r *cacheRegistry) blobGot(repo, hex string, mark int) int {
	return strings.Count(r.Log()[mark:], `"GET /v2/`+repo+`/blobs/sha256:`+hex+` `)
}
