package e2e

import (
	"strings"
	"testing"
)

// explainDockerfile copies two context files, then runs with a build arg.
const explainDockerfile = "FROM busybox\nARG V=1\nCOPY a b /in/\nRUN echo $V > /v\nCOPY c /c\n"

// TestExplainCache: a step that misses where an entry for the same parent
// exists says which input differs, naming a build arg, a context path or
// the whole context content, and never a value.
func TestExplainCache(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": explainDockerfile, "a": "a\n", "b": "b\n", "c": "c\n"})
		build := func(t *testing.T, args ...string) string {
			t.Helper()
			return s.must(t, append(append([]string{"bud"}, args...), ctx)...).stderr
		}
		edit := func(t *testing.T, name, content string) {
			writeTree(t, ctx, map[string]string{name: content})
			chownTree(t, a, ctx)
		}
		build(t, "--build-arg", "V=first-value")
		t.Run("a build arg", func(t *testing.T) {
			out := build(t, "--explain-cache", "--build-arg", "V=second-value")
			wantExplained(t, out, "variable V changed")
			if strings.Contains(out, "first-value") {
				t.Errorf("the explanation shows the old value:\n%s", out)
			}
		})
		t.Run("one of several context paths", func(t *testing.T) {
			edit(t, "b", "b changed\n")
			out := build(t, "--explain-cache", "--build-arg", "V=second-value")
			wantExplained(t, out, "context path b changed")
			if strings.Contains(out, "context path a") {
				t.Errorf("an unchanged path is named:\n%s", out)
			}
		})
		t.Run("a single source, and --log-level info explains too", func(t *testing.T) {
			edit(t, "c", "c changed\n")
			out := s.must(t, "--log-level", "info", "bud", "--build-arg", "V=second-value", ctx).stderr
			wantExplained(t, out, "build context content changed")
		})
		t.Run("nothing without the flag", func(t *testing.T) {
			if out := build(t, "--build-arg", "V=third"); strings.Contains(out, "Cache miss") {
				t.Errorf("an explanation without --explain-cache:\n%s", out)
			}
		})
	})
}

func wantExplained(t *testing.T, out, want string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Cache miss") && strings.Contains(l, want) {
			return
		}
	}
	t.Errorf("no cache-miss line saying %q:\n%s", want, out)
}
