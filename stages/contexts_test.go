package stages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseBuildContexts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := parseBuildContexts(map[string]string{
		"src": dir, "Base": "docker-image://localhost/base:1", "lay": "oci-layout:///srv/l:v2",
	})
	if err != nil {
		t.Fatal(err)
	}
	if nc := got["src"]; nc == nil || nc.dir != dir || len(nc.ignore) != 1 || nc.ignore[0] != "secret" {
		t.Errorf("src = %+v", got["src"])
	}
	if nc := got["base"]; nc == nil || nc.image != "localhost/base:1" {
		t.Errorf("base = %+v", got["base"])
	}
	if nc := got["lay"]; nc == nil || nc.image != "oci:/srv/l:v2" {
		t.Errorf("lay = %+v", got["lay"])
	}
	for _, bad := range []string{"https://example.com/ctx.tar", filepath.Join(dir, "missing"), "oci-layout:///l@sha256:00", "docker-image://"} {
		if _, err := parseBuildContexts(map[string]string{"x": bad}); err == nil || !strings.Contains(err.Error(), "--build-context x=") {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

func TestContextKeyMatchesImageNamesInShortForm(t *testing.T) {
	for _, pair := range [][2]string{
		{"alpine", "docker.io/library/alpine:latest"}, {"alpine", "alpine:latest"},
		{"Builder", "builder"}, {"localhost/x:1", "localhost/x:1"},
	} {
		if a, b := contextKey(pair[0]), contextKey(pair[1]); a != b {
			t.Errorf("contextKey(%q) = %q, contextKey(%q) = %q", pair[0], a, pair[1], b)
		}
	}
	if contextKey("alpine:3") == contextKey("alpine") {
		t.Error("a tag other than latest matched the bare name")
	}
}

func TestApplyContextsReplacesTheStageOfItsName(t *testing.T) {
	src := "FROM a AS deps\nRUN make\nFROM base\nCOPY --from=deps /x /x\n"
	p, nodes, err := graphOf(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &builder{plan: p, nodes: nodes}
	if b.contexts, err = parseBuildContexts(map[string]string{"deps": t.TempDir(), "base": "docker-image://busybox"}); err != nil {
		t.Fatal(err)
	}
	b.applyContexts()
	deps, last := nodes[p.Stages[0]], nodes[p.Stages[1]]
	if deps.context == nil || len(deps.deps) != 0 {
		t.Errorf("stage deps not replaced: %+v", deps)
	}
	if last.baseContext == nil || last.baseContext.image != "busybox" {
		t.Errorf("FROM base did not find its context: %+v", last)
	}
	if last.copyFrom["deps"] != p.Stages[0] {
		t.Error("COPY --from=deps no longer reads the (replaced) stage")
	}
}
