package e2e

import (
	"archive/tar"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Hosts that do not give stagebox everything: no subordinate ids, no
// newuidmap, no overlay, no /dev/fuse, no XDG_RUNTIME_DIR. Builds work
// where they can, say once what they lost, and `stagebox info` tells the
// operator what it found and what to change.

// noSubIDAccount is the user without /etc/subuid and /etc/subgid ranges
// ($STAGEBOX_TEST_USER_NOSUBID, default sbnosub; bash .ci/run creates it).
func noSubIDAccount(t *testing.T) *account {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("reaching a second unprivileged user needs the suite to run as root")
	}
	name := os.Getenv("STAGEBOX_TEST_USER_NOSUBID")
	if name == "" {
		name = "sbnosub"
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Skipf("user %s does not exist: bash .ci/run creates it (with no subordinate ids)", name)
	}
	if subIDStart("/etc/subuid", name) != "" || subIDStart("/etc/subgid", name) != "" {
		t.Fatalf("%s has subordinate id ranges; the locked-down tests need a user without any", name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &account{name: name, uid: uid, gid: gid, viaRunuser: true}
}

// stderrLines is r's stderr without blank lines, without the one line
// bud and run always print to announce the isolation tier and without the
// build's plain progress (step lines, their output, notes).
func stderrLines(r result) []string {
	var lines []string
	for _, l := range withoutBuildLog(r.stderr) {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "isolation: ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// wantOneWarning asserts a successful command that printed exactly one
// line on stderr, containing each of want.
func wantOneWarning(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("failed:\n%s", r)
	}
	lines := stderrLines(r)
	if len(lines) != 1 {
		t.Errorf("stderr has %d lines, want one warning:\n%s", len(lines), r)
		return
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("warning %q does not mention %q", lines[0], w)
		}
	}
}

// ownedBuild exercises what ownership a build can express; with one id
// mapped it must still succeed, files then owned by root in the image.
const ownedBuild = "FROM busybox\nCOPY --chown=1234:5678 a /a\nADD owned.tar /\nRUN id -u > /uid && ls -ln /home\n"

func ownedFiles() map[string]string {
	return map[string]string{"a": "a\n", "owned.tar": archive(member{hdrOwned("owned", 4242), "x\n"})}
}

func TestNoSubordinateIDsMapsTheUserAloneWithOneWarning(t *testing.T) {
	a := noSubIDAccount(t)
	s := newStore(t, a)
	pull := s.run(t, opts{}, "pull", "-q", "oci:"+busyboxLayout+":latest")
	wantOneWarning(t, pull, "only your own id", "usermod --add-subuids")
	s.must(t, "tag", pull.id(t), "busybox")
	r := s.bud(t, opts{}, ownedBuild, ownedFiles())
	wantOneWarning(t, r, "usermod --add-subuids")
	fs := s.image(t, r.id(t)).Files()
	wantFile(t, fs, "/uid", "0\n")
	wantOwner(t, fs, "/a", 0, 0) // 1234 does not exist in a one-id namespace
	info := s.must(t, "info").stdout
	for key, want := range map[string]string{"uid map": "{0 " + strconv.Itoa(a.uid) + " 1}", "subuid ranges": "(none)", "problem": "usermod --add-subuids"} {
		if got := infoField(info, key); !strings.Contains(got, want) {
			t.Errorf("info says %s: %q, want %q\n%s", key, got, want, info)
		}
	}
}

func TestNoNewuidmapMapsTheUserAloneWithOneWarning(t *testing.T) {
	noTools := opts{env: []string{"PATH=" + emptyDir(t)}}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		r := s.bud(t, noTools, ownedBuild, ownedFiles())
		info := s.run(t, noTools, "info").stdout
		if infoField(info, "newuidmap") != "(none)" {
			t.Errorf("info does not say newuidmap is missing:\n%s", info)
		}
		if !a.rootless() {
			if r.code != 0 || len(stderrLines(r)) > 0 {
				t.Errorf("root needs no newuidmap, but:\n%s", r)
			}
			return
		}
		wantOneWarning(t, r, "newuidmap is not installed", "apt-get install uidmap")
		if !strings.Contains(infoField(info, "problem"), "apt-get install uidmap") {
			t.Errorf("info does not say what to install:\n%s", info)
		}
	})
}

// TestOverlayUnavailableFallsBackToVFS: a store where native overlay
// fails (as storage recorded on an earlier attempt, the way it caches the
// probe in the run root) and no fuse-overlayfs: vfs, said once, and info
// explains it.
func TestOverlayUnavailableFallsBackToVFS(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		runhome := filepath.Join(s.runroot(), "overlay")
		must(t, os.MkdirAll(runhome, 0o700))
		must(t, os.WriteFile(filepath.Join(runhome, "overlay-false"), []byte("kernel does not support overlay fs: simulated by the test"), 0o600))
		chownTree(t, a, s.runroot())
		// newuidmap and newgidmap only: no fuse-overlayfs to switch to.
		path := emptyDir(t)
		for _, tool := range []string{"newuidmap", "newgidmap"} {
			if p, err := exec.LookPath(tool); err == nil {
				must(t, os.Symlink(p, filepath.Join(path, tool)))
			}
		}
		noFuse := opts{env: []string{"PATH=" + path}}
		pull := s.run(t, noFuse, "pull", "-q", "oci:"+busyboxLayout+":latest")
		wantOneWarning(t, pull, "vfs", "stagebox info")
		s.must(t, "tag", pull.id(t), "busybox")
		r := s.bud(t, noFuse, "FROM busybox\nRUN echo ok > /ok\n", nil)
		if r.code != 0 || len(stderrLines(r)) > 0 {
			t.Errorf("the build on the vfs fallback failed or warned again:\n%s", r)
		}
		wantFile(t, s.image(t, r.id(t)).Files(), "/ok", "ok\n")
		info := s.run(t, noFuse, "info").stdout
		if infoField(info, "storage driver") != "vfs" || !strings.Contains(info, "vfs driver, which copies every layer") {
			t.Errorf("info does not explain the vfs store:\n%s", info)
		}
	})
}

// TestNoDevFuseIsExplained: /dev without fuse (a container not given the
// device): builds work on native overlay, and info says what /dev/fuse
// would be for.
func TestNoDevFuseIsExplained(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("hiding /dev/fuse in a private mount namespace needs the suite to run as root")
	}
	// A /dev with the nodes a build uses and no fuse, in a private mount
	// namespace: the host's /dev stays as it is.
	hideFuse := []string{"unshare", "--mount", "--propagation", "private", "sh", "-ec", `
d=$(mktemp -d)
mount -t tmpfs -o mode=755 tmpfs "$d"
for n in null zero full random urandom tty; do touch "$d/$n"; mount --bind "/dev/$n" "$d/$n"; done
mkdir "$d/pts" "$d/shm"; mount --bind /dev/pts "$d/pts"; mount -t tmpfs -o mode=1777 tmpfs "$d/shm"
ln -s pts/ptmx "$d/ptmx"; ln -s /proc/self/fd "$d/fd"
mount --move "$d" /dev; rmdir "$d"
exec "$@"`, "sh"}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		o := opts{wrap: hideFuse}
		r := s.bud(t, o, "FROM busybox\nRUN ls /dev > /devs\n", nil)
		if r.code != 0 {
			t.Fatalf("build without /dev/fuse failed:\n%s", r)
		}
		info := s.run(t, o, "info").stdout
		if infoField(info, "fuse device") != "(none)" || !strings.Contains(info, "/dev/fuse is absent") {
			t.Errorf("info does not explain the missing /dev/fuse:\n%s", info)
		}
		if strings.Contains(info, "problem:") {
			t.Errorf("a missing /dev/fuse is reported as a problem while native overlay works:\n%s", info)
		}
	})
}

// TestXDGRuntimeDirUnsetIsExplained: su, sudo and cron sessions have no
// XDG_RUNTIME_DIR (the harness never passes it); with no --runroot the
// rootless run state goes to $TMPDIR, and info says so and how to fix it.
func TestXDGRuntimeDirUnsetIsExplained(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		home := s.scratch(t, "home")
		env := opts{env: []string{"HOME=" + home, "TMPDIR=" + home}}
		r := a.run(t, home, env, "--root", s.root(), "info")
		if r.code != 0 {
			t.Fatalf("info failed:\n%s", r)
		}
		notice := strings.Contains(r.stdout, "XDG_RUNTIME_DIR is not set")
		if infoField(r.stdout, "runtime dir") != "(none)" || notice != a.rootless() {
			t.Errorf("info on XDG_RUNTIME_DIR (notice expected: %v):\n%s", a.rootless(), r.stdout)
		}
		if a.rootless() {
			if run := infoField(r.stdout, "run root"); !strings.HasPrefix(run, home) {
				t.Errorf("run root %q is not under $TMPDIR %s", run, home)
			}
			// The fallback run root works for a build.
			id := a.run(t, home, env, "--root", s.root(), "pull", "-q", "oci:"+busyboxLayout+":latest").id(t)
			ctx := s.context(t, map[string]string{"Dockerfile": "FROM " + id + "\nRUN echo ok > /ok\n"})
			if b := a.run(t, home, env, "--root", s.root(), "bud", ctx); b.code != 0 {
				t.Errorf("build without XDG_RUNTIME_DIR or --runroot failed:\n%s", b)
			}
		}
	})
}

func hdrOwned(name string, id int) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: 2, Uid: id, Gid: id}
}

// emptyDir is a directory the unprivileged user can read, for PATH.
func emptyDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(workDir, "bin-")
	must(t, err)
	must(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestOverlayThroughFuseIsSaid: where native overlay fails and
// fuse-overlayfs is installed, storage switches to it on its own; stagebox
// says so, and falls back to vfs instead when /dev/fuse cannot be opened
// (storage would pick fuse-overlayfs anyway and every mount would fail).
func TestOverlayThroughFuseIsSaid(t *testing.T) {
	if _, err := exec.LookPath("fuse-overlayfs"); err != nil {
		t.Skip("fuse-overlayfs is not installed")
	}
	fi, err := os.Stat("/dev/fuse")
	if err != nil {
		t.Skip("no /dev/fuse")
	}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		runhome := filepath.Join(s.runroot(), "overlay")
		must(t, os.MkdirAll(runhome, 0o700))
		must(t, os.WriteFile(filepath.Join(runhome, "overlay-false"), []byte("kernel does not support overlay fs: simulated by the test"), 0o600))
		chownTree(t, a, s.runroot())
		pull := s.run(t, opts{}, "pull", "-q", "oci:"+busyboxLayout+":latest")
		usable := !a.rootless() || fi.Mode().Perm()&0o006 == 0o006
		if !usable {
			wantOneWarning(t, pull, "/dev/fuse", "vfs")
			return
		}
		wantOneWarning(t, pull, "fuse-overlayfs")
		s.must(t, "tag", pull.id(t), "busybox")
		s.build(t, "FROM busybox\nRUN echo ok > /ok\n", nil)
		if info := s.must(t, "info").stdout; !strings.Contains(infoField(info, "problem"), "fuse-overlayfs") {
			t.Errorf("info does not say layers go through fuse-overlayfs:\n%s", info)
		}
	})
}
