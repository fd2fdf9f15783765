package stages

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestGitResolvePeelsTagsAndRefusesUnknownRefs: the cache key is the
// commit a ref names, an annotated tag included.
func TestGitResolvePeelsTagsAndRefusesUnknownRefs(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	gitT(t, repo, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(repo, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitT(t, repo, "add", "f")
	gitT(t, repo, "commit", "-q", "-m", "one")
	gitT(t, repo, "tag", "-a", "-m", "annotated", "v1")
	head := gitT(t, repo, "rev-parse", "HEAD")
	for _, ref := range []string{"", "main", "v1", "refs/heads/main", head} {
		got, _, err := gitSource{remote: repo, ref: ref}.resolve(context.Background(), git)
		if err != nil || got != head {
			t.Errorf("resolve(%q) = %q, %v; want %s", ref, got, err, head)
		}
	}
	if _, _, err := (gitSource{remote: repo, ref: "nope"}).resolve(context.Background(), git); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("an unknown ref gave %v", err)
	}
}
