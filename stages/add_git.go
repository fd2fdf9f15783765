package stages

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// gitSource is an ADD source naming a git repository in BuildKit's forms:
// git@host:repo, git:// and ssh:// URLs, http(s) URLs ending in .git, each
// with an optional #ref[:subdir].
type gitSource struct {
	remote, ref, subdir string
	keepGitDir          bool
}

func parseGitSource(src string, keep *bool) (gitSource, error) {
	ref, _, err := dfgitutil.ParseGitRef(src)
	if err != nil {
		return gitSource{}, fmt.Errorf("%s: not a git reference stagebox understands: %w", excerpt(src), err)
	}
	g := gitSource{remote: ref.Remote, ref: ref.Ref, subdir: ref.SubDir}
	switch {
	case keep != nil:
		g.keepGitDir = *keep
	case ref.KeepGitDir != nil:
		g.keepGitDir = *ref.KeepGitDir
	}
	return g, nil
}

// gitAddSource gives ADD the checkout of a git source, keyed by the commit
// its ref names now: a hit needs no clone, a moved branch misses.
func (st *stageState) gitAddSource(ctx context.Context, c *instructions.AddCommand) (copySource, func(), error) {
	g, err := parseGitSource(c.SourcePaths[0], c.KeepGitDir)
	if err != nil {
		return copySource{}, nil, err
	}
	git, err := needGit(c.SourcePaths[0])
	if err != nil {
		return copySource{}, nil, err
	}
	commit, refname, err := g.resolve(ctx, git)
	if err != nil {
		return copySource{}, nil, err
	}
	if c.Checksum != "" && !strings.HasPrefix(commit, c.Checksum) {
		return copySource{}, nil, fmt.Errorf("%s: --checksum %s does not match commit %s", g.remote, c.Checksum, commit)
	}
	var dirs []string
	cleanup := func() {
		for _, d := range dirs {
			os.RemoveAll(d)
		}
	}
	key := "git:" + g.remote + "@" + commit + " subdir=" + g.subdir + " keep-git-dir=" + strconv.FormatBool(g.keepGitDir)
	c.SourcePaths = []string{"."}
	return copySource{key: key, fromContext: true, release: func() {}, open: func() (copySource, error) {
		dir, err := os.MkdirTemp(st.b.runDir, "git-")
		if err != nil {
			return copySource{}, fmt.Errorf("create clone directory: %w", err)
		}
		dirs = append(dirs, dir)
		root, err := g.checkout(ctx, git, dir, commit, refname)
		return copySource{root: root, fromContext: true, release: func() {}}, err
	}}, cleanup, nil
}

// needGit is the git binary that clones src, or why there is none.
func needGit(src string) (string, error) {
	git, err := exec.LookPath("git")
	if err != nil {
		return "", fmt.Errorf("%s is a git repository and cloning it needs the git binary, which is not on PATH: install git (apt-get install git), or clone it into the build context and COPY it", excerpt(src))
	}
	return git, nil
}

var fullCommit = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// resolve asks the remote which commit the ref names (git ls-remote), as
// BuildKit does: HEAD when no ref is given, then a full ref name, a
// branch, a tag (peeled to its commit); a full commit ID is taken as is.
func (g gitSource) resolve(ctx context.Context, git string) (commit, refname string, err error) {
	out, err := runGit(ctx, git, "", "ls-remote", "--", g.remote)
	if err != nil {
		return "", "", err
	}
	refs := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if id, name, ok := strings.Cut(line, "\t"); ok {
			refs[name] = id
		}
	}
	ref := g.ref
	if ref == "" {
		ref = "HEAD"
	}
	for _, name := range []string{ref, "refs/heads/" + ref, "refs/tags/" + ref} {
		if id, ok := refs[name]; ok {
			if peeled, ok := refs[name+"^{}"]; ok {
				id = peeled
			}
			return id, name, nil
		}
	}
	if fullCommit.MatchString(ref) {
		return ref, "", nil
	}
	return "", "", fmt.Errorf("%s has no branch or tag %q (give a branch, a tag or a full commit ID after #)", g.remote, ref)
}

// checkout fetches commit (through refname when it has one) into dir,
// with submodules, and returns the directory ADD copies: dir or its
// subdir, resolved inside the checkout. .git is kept only when asked.
func (g gitSource) checkout(ctx context.Context, git, dir, commit, refname string) (string, error) {
	want := refname
	if want == "" {
		want = commit
	}
	steps := [][]string{
		{"init", "-q"},
		{"fetch", "-q", "--depth", "1", "--", g.remote, want},
		{"checkout", "-q", "--detach", commit},
	}
	for _, args := range steps {
		if _, err := runGit(ctx, git, dir, args...); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".gitmodules")); err == nil {
		if _, err := runGit(ctx, git, dir, "submodule", "update", "-q", "--init", "--recursive", "--depth", "1"); err != nil {
			return "", err
		}
	}
	if !g.keepGitDir {
		if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
			return "", fmt.Errorf("removing .git of the checkout: %w", err)
		}
	}
	if g.subdir == "" {
		return dir, nil
	}
	root, err := securejoin.SecureJoin(dir, g.subdir)
	if err != nil {
		return "", fmt.Errorf("%s#%s: %w", g.remote, g.subdir, err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%s: the commit %s has no directory %q", g.remote, commit[:12], g.subdir)
	}
	return root, nil
}

// runGit runs git in dir, never asking for a password on the terminal,
// and returns its output; a failure carries git's own last words.
func runGit(ctx context.Context, git, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, git, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=/bin/false")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		why := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(why, '\n'); i >= 0 {
			why = why[i+1:]
		}
		if why == "" {
			why = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], why)
	}
	return stdout.String(), nil
}
