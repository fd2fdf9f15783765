package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Steps of the committed stages are sealed as they are recorded (their
// diff measured once, for the commit); steps of a stage the build only
// copies from are not, since nothing reads their diff. Building that stage
// as the target later still works.
func TestOnlyCommittedStagesAreSealed(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		df := "FROM busybox AS gen\nRUN echo gen > /gen\nFROM busybox\nCOPY --from=gen /gen /copied\n"
		ctx := s.context(t, map[string]string{"Dockerfile": df})
		s.must(t, "bud", ctx)
		sealed, unsealed := cacheLayers(t, s)
		if sealed != 1 || unsealed != 1 {
			t.Errorf("cache layers: %d sealed, %d not; want the COPY's sealed and gen's RUN not", sealed, unsealed)
		}
		id := s.must(t, "bud", "--target", "gen", ctx).id(t)
		wantFile(t, s.image(t, id).Files(), "/gen", "gen\n")
	})
}

// cacheLayers counts the store's cache layers with and without a recorded
// diff digest.
func cacheLayers(t *testing.T, s *store) (sealed, unsealed int) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.root(), "overlay-layers", "layers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var layers []struct {
		Names      []string `json:"names"`
		DiffDigest string   `json:"diff-digest"`
	}
	if err := json.Unmarshal(data, &layers); err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if len(l.Names) == 0 || !strings.HasPrefix(l.Names[0], "stagebox-cache-") {
			continue
		}
		if l.DiffDigest != "" {
			sealed++
		} else {
			unsealed++
		}
	}
	return sealed, unsealed
}
