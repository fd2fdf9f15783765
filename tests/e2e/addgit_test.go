package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gitServer is a repository served by `git daemon` on 127.0.0.1: branch
// main with a.txt and sub/b.txt, and an annotated tag v1.
type gitServer struct {
	url  string // git://127.0.0.1:PORT/repo.git
	work string // a clone that commits and pushes
}

func serveGit(t *testing.T) *gitServer {
	t.Helper()
	base := t.TempDir()
	g := &gitServer{work: filepath.Join(base, "work")}
	gitIn(t, base, "init", "-q", "--bare", "-b", "main", "repo.git")
	gitIn(t, base, "init", "-q", "-b", "main", "work")
	writeTree(t, g.work, map[string]string{"a.txt": "v1\n", "sub/b.txt": "in-sub\n"})
	gitIn(t, g.work, "add", "-A")
	gitIn(t, g.work, "commit", "-q", "-m", "one")
	gitIn(t, g.work, "tag", "-a", "-m", "tag one", "v1")
	gitIn(t, g.work, "push", "-q", filepath.Join(base, "repo.git"), "main", "v1")
	addr := unusedAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	d := exec.Command("git", "daemon", "--export-all", "--reuseaddr", "--base-path="+base, "--listen="+host, "--port="+port, base)
	must(t, d.Start())
	t.Cleanup(func() {
		_ = d.Process.Kill()
		_ = d.Wait()
	})
	// Wait for the daemon to listen (a hang guard bounds it, not a timing assertion).
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("git daemon does not listen")
		}
	}
	g.url = "git://" + addr + "/repo.git"
	return g
}

// commit changes a.txt on main and pushes it.
func (g *gitServer) commit(t *testing.T, content string) {
	t.Helper()
	writeTree(t, g.work, map[string]string{"a.txt": content})
	gitIn(t, g.work, "commit", "-q", "-am", "change")
	gitIn(t, g.work, "push", "-q", filepath.Join(filepath.Dir(g.work), "repo.git"), "main")
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestAddGitSource: ADD clones a git repository at a branch, a tag's
// subdirectory, with or without .git; the cache key is the commit the ref
// names, so an unchanged branch hits and a new commit misses.
func TestAddGitSource(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		g := serveGit(t)
		s := newStore(t, a)
		s.busybox(t)
		df := "FROM busybox\nADD " + g.url + "#main /src\nADD " + g.url + "#v1:sub /s\nADD --keep-git-dir=true " + g.url + " /k\n"
		s.build(t, df, nil, "-t", "cloned")
		runOut := func(cmd ...string) result { return s.run(t, opts{}, append([]string{"run", "cloned"}, cmd...)...) }
		if out := runOut("cat", "/src/a.txt", "/s/b.txt").stdout; out != "v1\nin-sub\n" {
			t.Errorf("the checkouts hold %q", out)
		}
		if r := runOut("test", "-e", "/src/.git"); r.code == 0 {
			t.Errorf("/src/.git exists without --keep-git-dir")
		}
		if r := runOut("test", "-e", "/s/a.txt"); r.code == 0 {
			t.Errorf("#v1:sub copied more than sub/")
		}
		if r := runOut("test", "-d", "/k/.git"); r.code != 0 {
			t.Errorf("--keep-git-dir=true left no /k/.git:\n%s", r)
		}

		r := s.bud(t, opts{}, df, nil, "-t", "cloned")
		if hits := strings.Count(r.stderr, "--> Using cache"); r.code != 0 || hits != 3 {
			t.Errorf("an unchanged repository gave %d cache hits, want 3:\n%s", hits, r)
		}
		g.commit(t, "v2-"+a.name+"\n")
		s.build(t, df, nil, "-t", "cloned")
		if out := runOut("cat", "/src/a.txt").stdout; out != "v2-"+a.name+"\n" {
			t.Errorf("after a new commit on main /src/a.txt is %q: the cache must follow the commit", out)
		}
	})
}

// TestAddGitSourceWithoutGit: with no git binary the build fails at the
// ADD's line before any step, and nothing is fetched as a plain file.
func TestAddGitSourceWithoutGit(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		bin := s.scratch(t, "bin") // every command of the host's PATH but git
		for _, dir := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if !strings.HasPrefix(e.Name(), "git") {
					_ = os.Symlink(filepath.Join(dir, e.Name()), filepath.Join(bin, e.Name()))
				}
			}
		}
		r := s.bud(t, opts{env: []string{"PATH=" + bin}}, "FROM busybox\nRUN echo step-ran\nADD https://127.0.0.1:9/repo.git#main /r\n", nil)
		wantOneLineError(t, r, "Dockerfile:3", "git binary", "apt-get install git")
		wantNoStep(t, r)
	})
}
