package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestCachedRebuildKeepsTheImageID: a fully cached rebuild of an unchanged
// Dockerfile gives the same image ID and no <none> image, as docker and
// buildah do; a changed rebuild moves the tag and drops the old image,
// unless another image stands on it, which then shows as dangling until
// `prune --images` (or `image prune`) removes it.
func TestCachedRebuildKeepsTheImageID(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		v1 := "FROM busybox\nLABEL v=1\nENV X=1\nRUN echo one > /one\n"
		ctx := s.context(t, map[string]string{"Dockerfile": v1})
		first := s.must(t, "bud", "-t", "app", ctx).id(t)
		if id := s.must(t, "bud", "-t", "app", ctx).id(t); id != first {
			t.Errorf("fully cached rebuild gave image %s, want the first build's %s", id, first)
		}
		wantNoDangling(t, s)
		all := s.must(t, "images", "-a", "-q", "--no-trunc").stdout
		if strings.Count(all, "\n") != 2 {
			t.Errorf("images -a after a cached rebuild lists %q, want busybox and app only", all)
		}

		// A changed rebuild: nothing uses the old image, so it goes.
		writeTree(t, ctx, map[string]string{"Dockerfile": strings.Replace(v1, "X=1", "X=2", 1)})
		second := s.must(t, "bud", "-t", "app", ctx).id(t)
		if second == first {
			t.Fatalf("a changed Dockerfile gave the same image %s", first)
		}
		if out := s.run(t, opts{}, "inspect", "-f", "{{.Id}}", first); out.code == 0 {
			t.Errorf("the replaced image %s is still stored: %s", first, out.stdout)
		}
		if r := s.must(t, "bud", "-t", "app", ctx).id(t); r != second {
			t.Errorf("cached rebuild after a change gave %s, want %s", r, second)
		}

		// An image other images stand on stays as <none> when its tag moves.
		s.build(t, "FROM app\nRUN echo child > /child\n", nil, "-t", "child")
		writeTree(t, ctx, map[string]string{"Dockerfile": strings.Replace(v1, "X=1", "X=3", 1)})
		third := s.must(t, "bud", "-t", "app", ctx).id(t)
		wantIDs(t, s, "dangling images once child's base lost its tag", []string{second}, "images", "-q", "--no-trunc", "--filter", "dangling=true")
		if listed := s.must(t, "images", "-q", "--no-trunc").stdout; strings.Contains(listed, second) {
			t.Errorf("images without -a lists the intermediate image %s:\n%s", second, listed)
		}
		if listed := s.must(t, "images", "-a", "-q", "--no-trunc").stdout; !strings.Contains(listed, second) {
			t.Errorf("images -a does not list the intermediate image %s:\n%s", second, listed)
		}
		if out := s.must(t, "prune", "--images").stdout; strings.Contains(out, second) {
			t.Errorf("prune --images removed %s, which child stands on:\n%s", second, out)
		}
		s.must(t, "rmi", "child")
		if out := s.must(t, "image", "prune").stdout; !strings.Contains(out, second) || !strings.Contains(out, "removed 1 dangling images") {
			t.Errorf("image prune did not remove the dangling %s:\n%s", second, out)
		}
		wantIDs(t, s, "images after the prune", []string{third, s.must(t, "inspect", "-f", "{{.Id}}", "busybox").stdout}, "images", "-a", "-q", "--no-trunc")
		if r := s.must(t, "bud", "-t", "app", ctx).id(t); r != third {
			t.Errorf("cached rebuild after the prune gave %s, want %s", r, third)
		}

		// A date asked for wins over the stored image's.
		s.must(t, "bud", "--timestamp", "1700000000", "-t", "app", ctx)
		if got := strings.TrimSpace(s.must(t, "inspect", "-f", "{{.Created.Unix}}", "app").stdout); got != "1700000000" {
			t.Errorf("--timestamp 1700000000 on a cached rebuild dated the image %s", got)
		}
	})
}

// wantIDs compares the IDs a listing command prints with want, in any order.
func wantIDs(t *testing.T, s *store, what string, want []string, args ...string) {
	t.Helper()
	got := strings.Fields(s.must(t, args...).stdout)
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

// wantNoDangling checks that no <none> image is stored.
func wantNoDangling(t *testing.T, s *store) {
	t.Helper()
	wantIDs(t, s, "dangling images", nil, "images", "-q", "--no-trunc", "--filter", "dangling=true")
}
