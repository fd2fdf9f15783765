package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Issue 7: the locked-down hosts this machine can stand for without
// Docker: a seccomp filter refusing user namespaces or pivot_root
// (tests/nouserns), /proc paths masked for real, CAP_SYS_ADMIN dropped,
// no_new_privs set. Tiers are chosen automatically here.

// TestRootlessTierAsRootKeepsRootsIDs is the tier root gets in a default
// container: without CAP_SYS_ADMIN (dropped here with setpriv, as Docker
// does), or forced; a user namespace mapping root's own ids, so RUN's
// chown is real.
func TestRootlessTierAsRootKeepsRootsIDs(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		if a.rootless() {
			t.Skip("the unprivileged user's rootless tier is every other test")
		}
		t.Run("no CAP_SYS_ADMIN", func(t *testing.T) {
			rootKeepsItsIDs(t, a, opts{wrap: []string{"setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin", "--"}})
		})
		t.Run("forced", func(t *testing.T) { rootKeepsItsIDs(t, a, opts{env: []string{"STAGEBOX_ISOLATION=rootless"}}) })
	})
}

func rootKeepsItsIDs(t *testing.T, a *account, o opts) {
	s := newStore(t, a)
	{
		s.busybox(t)
		if info := infoOf(t, s, o); info.Isolation.Tier != "rootless" {
			t.Fatalf("isolation %+v, want rootless", info.Isolation)
		}
		r := s.run(t, o, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo x > /x && chown 42:43 /x && cat /proc/self/uid_map > /map\n"}))
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantAnnounced(t, r, "user namespace keeping root's ids")
		fs := s.image(t, r.id(t)).Files()
		wantOwner(t, fs, "/x", 42, 43)
		if e, ok := fs.Get("/map"); !ok || !strings.Contains(string(e.Data), "4294967295") {
			t.Errorf("RUN's uid map does not keep root's whole range: %+v", e)
		}
	}
}

// nouserns builds tests/nouserns, which runs a command under a seccomp
// filter refusing user namespaces as Docker's default profile does.
func nouserns(t *testing.T) string {
	t.Helper()
	return buildTool(t, "nouserns")
}

// toolBuild is one of the tests/ commands, built once per suite run.
type toolBuild struct {
	once sync.Once
	path string
	err  error
}

var toolBuilds sync.Map // name -> *toolBuild

// buildTool builds ./tests/<name> into the work directory, static (no cgo)
// so that it also runs inside a rootfs, and returns its path.
func buildTool(t *testing.T, name string) string {
	t.Helper()
	v, _ := toolBuilds.LoadOrStore(name, &toolBuild{})
	b := v.(*toolBuild)
	b.once.Do(func() {
		b.path = filepath.Join(workDir, name)
		cmd := exec.Command("go", "build", "-o", b.path, "./tests/"+name)
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("building tests/%s: %v\n%s", name, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// TestAutoFallsBackToProotWhenUserNamespacesAreRefused: a seccomp filter
// refuses unshare(CLONE_NEWUSER), as in a default Docker container. The
// unprivileged user gets proot (root keeps its namespaces: it has
// CAP_SYS_ADMIN), and info names the cause and the fix instead of dying.
func TestAutoFallsBackToProotWhenUserNamespacesAreRefused(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		// Around runuser too: the filter is inherited, and runuser does not
		// need user namespaces.
		filtered := opts{wrap: []string{nouserns(t)}}
		info := infoOf(t, s, filtered)
		want := "proot"
		if !a.rootless() {
			want = "oci"
		}
		if info.Isolation.Tier != want {
			t.Fatalf("tier %q under a seccomp filter refusing user namespaces, want %s: %+v", info.Isolation.Tier, want, info.Isolation)
		}
		if a.rootless() {
			if c, ok := info.Cause("seccomp-userns"); !ok || !strings.Contains(c.Fix, "seccomp=unconfined") {
				t.Errorf("causes %+v: want seccomp-userns with its fix", info.Causes)
			}
			// nouserns sets no_new_privs as a restricted pod does: lifting
			// seccomp alone would leave newuidmap powerless, so it is named too.
			if _, ok := info.Cause("no-new-privs"); !ok {
				t.Errorf("causes %+v: want no-new-privs beside seccomp-userns", info.Causes)
			}
			if !strings.Contains(info.Isolation.Unavailable["rootless"], "CLONE_NEWUSER") {
				t.Errorf("unavailable %v: want why rootless is not possible", info.Isolation.Unavailable)
			}
		}
		pull := s.run(t, filtered, "pull", "-q", "oci:"+busyboxLayout+":latest")
		if pull.code != 0 {
			t.Fatalf("pull failed:\n%s", pull)
		}
		s.run(t, filtered, "tag", pull.id(t), "busybox")
		r := s.run(t, filtered, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY --chown=7:8 Dockerfile /df\nRUN echo ran > /ran\n"}))
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantAnnounced(t, r, map[string]string{"proot": "isolation: proot, no user namespaces allowed here", "oci": "isolation: root, full namespaces"}[want])
		fs := s.image(t, r.id(t)).Files()
		wantFile(t, fs, "/ran", "ran\n")
		wantOwner(t, fs, "/ran", 0, 0)
		wantOwner(t, fs, "/df", 7, 8)
	})
}

// TestMaskedProcSharesProc: a container masks /proc paths (Docker and
// Kubernetes mount over /proc/acpi, /proc/timer_list, ...), so the kernel
// refuses the unprivileged user a fresh procfs. Here the masking is done
// for real in a private mount namespace; RUN must then bind the existing
// /proc and go without a PID namespace, said once, and info must name it.
func TestMaskedProcSharesProc(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		if !a.rootless() {
			t.Skip("real root may mount a procfs under masked paths")
		}
		for _, p := range []string{"/proc/acpi", "/proc/timer_list"} {
			if _, err := os.Stat(p); err != nil {
				t.Skipf("nothing to mask here: %v", err)
			}
		}
		s := newStore(t, a)
		masked := opts{wrap: []string{"unshare", "-m", "--propagation", "private", "sh", "-c",
			`mount -t tmpfs -o ro tmpfs /proc/acpi && mount --bind /dev/null /proc/timer_list && exec "$@"`, "sh"}}
		info := infoOf(t, s, masked)
		if info.Isolation.Tier != "rootless" || !info.Isolation.SharedProc {
			t.Fatalf("isolation %+v, want rootless with a shared /proc", info.Isolation)
		}
		if c, ok := info.Cause("proc-masked"); !ok || !strings.Contains(c.Fix, "systempaths=unconfined") || !strings.Contains(c.Fix, "procMount: Unmasked") {
			t.Errorf("causes %+v: want proc-masked with its fixes", info.Causes)
		}
		pull := s.run(t, masked, "pull", "-q", "oci:"+busyboxLayout+":latest")
		if pull.code != 0 {
			t.Fatalf("pull failed:\n%s", pull)
		}
		s.run(t, masked, "tag", pull.id(t), "busybox")
		r := s.run(t, masked, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN test -r /proc/self/status && echo ok > /ok\nRUN echo $$ > /pid\n"}))
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantAnnounced(t, r, "rootless user namespace", "shared /proc: the container masks /proc paths, RUN has no PID namespace")
		if lines := stderrLines(r); len(lines) != 0 {
			t.Errorf("stderr beyond the isolation line: %q", lines)
		}
		fs := s.image(t, r.id(t)).Files()
		wantFile(t, fs, "/ok", "ok\n")
		if e, ok := fs.Get("/pid"); !ok || string(e.Data) == "1\n" {
			t.Errorf("RUN was PID 1 (%+v): a PID namespace was made after all", e)
		}
	})
}

// TestPivotRootRefusedUsesChroot: Docker's default seccomp profile refuses
// pivot_root even with CAP_SYS_ADMIN; RUN then enters its root with
// MS_MOVE and chroot (libcontainer's no-pivot mode), said once.
func TestPivotRootRefusedUsesChroot(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		filtered := opts{wrap: []string{nouserns(t), "-pivot-root"}}
		info := infoOf(t, s, filtered)
		if _, ok := info.Cause("pivot-root-refused"); !ok {
			t.Errorf("causes %+v: want pivot-root-refused", info.Causes)
		}
		s.busybox(t)
		r := s.run(t, filtered, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo ran > /ran\n"}))
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantAnnounced(t, r, "pivot_root refused: RUN enters its root by MS_MOVE and chroot")
		wantFile(t, s.image(t, r.id(t)).Files(), "/ran", "ran\n")
	})
}

// TestNoNewPrivsMapsTheUserAloneAndSaysWhy: a Pod Security "restricted"
// pod (allowPrivilegeEscalation: false, Docker's no-new-privileges) keeps
// newuidmap from working although the ranges exist; the probe tries it, and
// the one warning names no_new_privs, not missing ranges.
func TestNoNewPrivsMapsTheUserAloneAndSaysWhy(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		if !a.rootless() {
			t.Skip("root needs no newuidmap")
		}
		s := newStore(t, a)
		nnp := opts{wrap: []string{"setpriv", "--no-new-privs"}}
		info := infoOf(t, s, nnp)
		if c, ok := info.Cause("no-new-privs"); !ok || !strings.Contains(c.Fix, "allowPrivilegeEscalation") {
			t.Errorf("causes %+v: want no-new-privs", info.Causes)
		}
		pull := s.run(t, nnp, "pull", "-q", "oci:"+busyboxLayout+":latest")
		wantOneWarning(t, pull, "no_new_privs")
		s.run(t, nnp, "tag", pull.id(t), "busybox")
		r := s.run(t, nnp, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo ran > /ran\n"}))
		wantOneWarning(t, r, "no_new_privs", "no-new-privileges")
		if strings.Contains(r.stderr, "usermod") {
			t.Errorf("the warning sends the user to add ranges that exist:\n%s", r)
		}
		wantOwner(t, s.image(t, r.id(t)).Files(), "/ran", 0, 0)
	})
}

// TestNoNamespacesAndNoProotFailsWithTheInstallLine: user namespaces
// refused and no proot on PATH nor next to stagebox: every command says
// what to install (info still lists the causes), on one line.
func TestNoNamespacesAndNoProotFailsWithTheInstallLine(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		if !a.rootless() {
			t.Skip("root keeps its namespaces under this filter")
		}
		s := newStore(t, a)
		path := emptyDir(t)
		for _, tool := range []string{"runuser", "newuidmap", "newgidmap", "sh"} {
			if p, err := exec.LookPath(tool); err == nil {
				must(t, os.Symlink(p, filepath.Join(path, tool)))
			}
		}
		bare := opts{wrap: []string{nouserns(t)}, env: []string{"PATH=" + path}}
		r := s.run(t, bare, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN true\n"}))
		wantOneLineError(t, r, "no isolation works here", "apt-get install proot")
		info := s.run(t, bare, "info")
		if info.code == 0 || !strings.Contains(info.stdout, "seccomp-userns") || !strings.Contains(info.stdout, "proot-missing") {
			t.Errorf("info must list the causes and fail:\n%s", info)
		}
	})
}
