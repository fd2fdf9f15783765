package e2e

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestBudPushRefusedLeavesTheStoreUnchanged: a bud --push the registry
// refuses half-way (it takes the layers, then rejects the manifest) adds
// no image and moves no tag, in one error line; the build cache survives,
// so the same build run again once the registry accepts hits the cache for
// every step. A refused push of a cached rebuild, whose image was there
// already, removes nothing; one of a several-platform build leaves neither
// the index nor the platforms' images.
func TestBudPushRefusedLeavesTheStoreUnchanged(t *testing.T) {
	reg := serveRegistry(t, registryOptions{})
	var refusing atomic.Bool
	refusing.Store(true)
	gate := startProxy(t, reg, func(r *http.Request) int {
		if refusing.Load() && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
			return http.StatusForbidden
		}
		return 0
	})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		name := gate.Host + "/pushfail/" + a.name + ":1"
		dockerfile := "FROM busybox\nRUN echo one-" + a.name + " > /one\nRUN echo two > /two\n"
		push := []string{"--push", "--tls-verify=false", "--retry", "0", "-t", name}
		storeState := func() string {
			return s.must(t, "images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").stdout
		}
		refusedBuild := func(t *testing.T, dockerfile string, args ...string) {
			t.Helper()
			before := storeState()
			refusing.Store(true)
			r := s.bud(t, opts{}, dockerfile, map[string]string{"f": a.name}, append(append([]string{"-q"}, args...), push...)...)
			wantOneLineError(t, r, "403", "nothing was tagged", "store is unchanged")
			if after := storeState(); after != before {
				t.Errorf("the refused push changed the store's images:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		}

		t.Run("refused: no image, no tag", func(t *testing.T) {
			refusedBuild(t, dockerfile)
		})
		var pushed string
		t.Run("the same build again hits the cache for every step", func(t *testing.T) {
			refusing.Store(false)
			r := s.bud(t, opts{}, dockerfile, nil, push...)
			if r.code != 0 {
				t.Fatalf("the retried push failed:\n%s", r)
			}
			if hits := strings.Count(r.stderr, "--> Using cache"); hits != 2 {
				t.Errorf("%d of 2 steps came from the cache after the refused push:\n%s", hits, r)
			}
			if !reg.HasTag(t, "pushfail/"+a.name, "1") {
				t.Error("the retried push is not in the registry")
			}
			pushed = r.id(t)
		})
		if pushed == "" {
			t.FailNow()
		}
		t.Run("refused: an existing tag stays where it was", func(t *testing.T) {
			refusedBuild(t, dockerfile+"RUN echo three > /three\n")
			got := lastLine(s.must(t, "images", "-q", "--no-trunc", name).stdout)
			if got != pushed {
				t.Errorf("%s names %s after the refused push, want %s as before", name, got, pushed)
			}
		})
		t.Run("refused: a cached rebuild's image stays", func(t *testing.T) {
			refusedBuild(t, dockerfile)
			s.must(t, "inspect", pushed)
		})
		t.Run("refused: a several-platform build leaves no index and no instance", func(t *testing.T) {
			refusedBuild(t, "FROM scratch\nCOPY f /f\n", "--platform", "linux/amd64,linux/arm64")
		})
	})
}
