package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stagebox/stagebox/tests/infojson"
	"golang.org/x/sys/unix"
)

// Issue 7: isolation tiers. The Docker-container matrix (real seccomp,
// masked /proc, no_new_privs) lives elsewhere; here --isolation forces the
// tiers this host can run, and the announce line, ownership and info are
// checked from the outside.

// announced returns the isolation lines of r's stderr.
func announced(r result) []string {
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "isolation: ") {
			lines = append(lines, l)
		}
	}
	return lines
}

func wantAnnounced(t *testing.T, r result, want ...string) {
	t.Helper()
	lines := announced(r)
	if len(lines) != 1 {
		t.Fatalf("%d isolation lines on stderr, want one:\n%s", len(lines), r)
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("isolation line %q does not say %q", lines[0], w)
		}
	}
	if strings.Contains(r.stdout, "isolation:") {
		t.Errorf("the isolation line reached stdout:\n%s", r)
	}
}

// runHeavy is a multi-stage build whose RUN steps write, chown, chmod,
// link and delete, with COPY --chown and COPY --from between stages.
const runHeavy = `FROM busybox AS build
RUN mkdir -p /out/bin /out/etc && echo one > /out/one
RUN for i in 1 2 3 4 5; do echo $i >> /out/count; done
RUN chown 42:43 /out/one && chmod 0640 /out/one
RUN ln -s one /out/link && ln /out/count /out/hard
RUN echo gone > /out/tmp && rm /out/tmp
WORKDIR /work
RUN pwd > /out/pwd && cat /etc/hostname > /out/hostname
COPY --chown=1234:5678 a /out/a
RUN grep -q root /etc/passwd && echo passwd ok > /out/passwd
FROM busybox
COPY --from=build /out /out
RUN cat /out/count | wc -l > /out/lines
RUN test -L /out/link && echo yes > /out/islink
`

func TestProotBuildsRunHeavyMultiStage(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.prootBase(t, busyboxLayout, "busybox")
		r := s.run(t, opts{}, append([]string{"--isolation", "proot"}, "bud", s.context(t, map[string]string{"Dockerfile": runHeavy, "a": "from the context\n"}))...)
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantAnnounced(t, r, "proot", "vfs")
		warnings := stderrLines(r)
		var own []string
		for _, l := range warnings {
			if strings.HasPrefix(l, "warning:") {
				own = append(own, l)
			}
		}
		if a.rootless() && (len(own) != 1 || !strings.Contains(own[0], "0:0")) {
			t.Errorf("want exactly one warning saying RUN's files are recorded as 0:0, got %q", own)
		}
		if !a.rootless() && len(own) != 0 {
			t.Errorf("as root ownership is real, yet: %q", own)
		}
		fs := s.image(t, r.id(t)).Files()
		wantFile(t, fs, "/out/lines", "5\n")
		wantFile(t, fs, "/out/islink", "yes\n")
		wantFile(t, fs, "/out/pwd", "/work\n")
		wantFile(t, fs, "/out/passwd", "passwd ok\n")
		wantFile(t, fs, "/out/a", "from the context\n")
		wantAbsent(t, fs, "/out/tmp")
		wantOwner(t, fs, "/out/a", 1234, 5678) // COPY --chown: stagebox's own ids, kept either way
		wantOwner(t, fs, "/out/count", 0, 0)
		wantMode(t, fs, "/out/one", 0o640)
		if a.rootless() {
			wantOwner(t, fs, "/out/one", 0, 0) // RUN's chown cannot be recorded without ids
		} else {
			wantOwner(t, fs, "/out/one", 42, 43)
		}
		wantPresent(t, fs, "/bin/busybox")
		wantOwner(t, fs, "/bin/busybox", 0, 0)
		for name := range fs {
			if strings.HasPrefix(name, "etc/host") || name == "proc/self" {
				t.Errorf("%s in the image: a proot bind target leaked into a layer", name)
			}
		}
		// proot cannot take the network away: refused at the RUN, not ignored.
		none := s.run(t, opts{}, "--isolation", "proot", "bud", "--network", "none", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN true\n"}))
		if last := lastLine(none.stderr); none.code == 0 || !strings.Contains(last, "Dockerfile:2") || !strings.Contains(last, "--network none cannot be enforced under proot") {
			t.Errorf("--network none under proot, want a refusal at Dockerfile:2:\n%s", none)
		}
	})
}

// TestProotSeedDemo is the seed's scenario (compile Go in one stage, copy
// the binary into FROM scratch) with every RUN under proot.
func TestProotSeedDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles Go inside a build: skipped with -short")
	}
	layout, files := seedDemo(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		env := s.prootBase(t, layout, "golang")
		r := s.run(t, env, "bud", "-t", "hello", s.context(t, files))
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantAnnounced(t, r, "proot")
		t.Logf("demo build under proot (cold, %s): %s", a.name, r.took)
		out := s.run(t, env, "run", "hello")
		if out.code != 0 || !strings.Contains(out.stdout, "hello from stagebox") {
			t.Errorf("the demo under proot:\n%s", out)
		}
		wantAnnounced(t, out, "proot")
		fs := s.image(t, r.id(t)).Files()
		wantOwner(t, fs, "/app", 0, 0)
	})
}

func infoOf(t *testing.T, s *store, o opts, args ...string) infojson.Info {
	t.Helper()
	r := s.run(t, o, append(args, "info", "--json")...)
	if r.code != 0 {
		t.Fatalf("info failed:\n%s", r)
	}
	var info infojson.Info
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("info --json: %v\n%s", err, r.stdout)
	}
	if info.Causes == nil {
		t.Errorf("info --json has no causes list (want [] when nothing is wrong):\n%s", r.stdout)
	}
	return info
}

func TestInfoJSONCarriesTierAndCauses(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		info := infoOf(t, s, opts{})
		want := "oci"
		if a.rootless() {
			want = "rootless"
			if why := info.Isolation.Unavailable["oci"]; !strings.Contains(why, "root") {
				t.Errorf("unavailable.oci = %q, want why (not root)", why)
			}
		}
		if info.Isolation.Tier != want || info.Isolation.SharedProc || !strings.HasPrefix(info.Isolation.Line, "isolation: ") {
			t.Errorf("isolation %+v, want tier %s with its line", info.Isolation, want)
		}
		for _, c := range info.Causes {
			if c.ID == "" || c.Message == "" || c.Fix == "" {
				t.Errorf("cause %+v lacks an id, message or fix", c)
			}
		}
		forced := infoOf(t, s, opts{env: []string{"STAGEBOX_ISOLATION=proot"}}, "--storage-driver", "vfs")
		if forced.Isolation.Tier != "proot" || !strings.Contains(forced.Isolation.Line, "proot") {
			t.Errorf("STAGEBOX_ISOLATION=proot: isolation %+v", forced.Isolation)
		}
		text := s.must(t, "info").stdout
		if got := infoField(text, "isolation"); !strings.Contains(got, strings.TrimPrefix(info.Isolation.Line, "isolation: ")) {
			t.Errorf("text info says isolation %q, JSON %q", got, info.Isolation.Line)
		}
		if strings.Contains(text, "kernel >= 5.13") {
			t.Errorf("info contradicts itself about overlay on this kernel:\n%s", text)
		}
	})
}

// TestIsolationOCIRefusedForUnprivileged: a forced tier never falls back.
func TestIsolationOCIRefusedForUnprivileged(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		if !a.rootless() {
			t.Skip("root may have the oci tier")
		}
		s := newStore(t, a)
		for _, how := range []opts{{}, {env: []string{"STAGEBOX_ISOLATION=oci"}}} {
			args := []string{"bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN true\n"})}
			if len(how.env) == 0 {
				args = append([]string{"--isolation", "oci"}, args...)
			}
			r := s.run(t, how, args...)
			wantOneLineError(t, r, "--isolation oci is not possible here", "uid", "--isolation auto")
			if len(announced(r)) != 0 {
				t.Errorf("a refused tier was announced:\n%s", r)
			}
		}
		wantOneLineError(t, s.run(t, opts{}, "--isolation", "chroot", "info"), "auto, oci, rootless or proot")
	})
}

// TestTMPDIRHoldsTemporaries: pulls and commits stage blobs under $TMPDIR
// (containers/image used /var/tmp whatever TMPDIR said). A fresh TMPDIR is
// watched with inotify: what appears there is what stagebox put there.
func TestTMPDIRHoldsTemporaries(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		tmp := s.scratch(t, "tmpdir")
		fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		if err != nil {
			t.Skipf("inotify: %v", err)
		}
		defer unix.Close(fd)
		if _, err := unix.InotifyAddWatch(fd, tmp, unix.IN_CREATE); err != nil {
			t.Fatal(err)
		}
		env := opts{env: []string{"TMPDIR=" + tmp}}
		pull := s.run(t, env, "pull", "-q", "oci:"+busyboxLayout+":latest")
		if pull.code != 0 {
			t.Fatalf("pull failed:\n%s", pull)
		}
		created := inotifyNames(t, fd)
		if !slices.ContainsFunc(created, func(n string) bool { return strings.HasPrefix(n, "container_images_") }) {
			t.Errorf("the pull made nothing under TMPDIR (saw %q): its temporaries went elsewhere", created)
		}
		// A build that pulls its base (another layout of the fixture).
		other := filepath.Join(s.scratch(t, "layout"), "busybox")
		s.must(t, "push", pull.id(t), "oci:"+other+":latest")
		inotifyNames(t, fd)
		df := "FROM oci:" + other + ":latest\nRUN echo x > /x\n"
		if r := s.run(t, env, "bud", "--pull=always", s.context(t, map[string]string{"Dockerfile": df})); r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		if created = inotifyNames(t, fd); !slices.ContainsFunc(created, func(n string) bool { return strings.HasPrefix(n, "container_images_") }) {
			t.Errorf("the build's pull made nothing under TMPDIR (saw %q)", created)
		}
	})
}

// inotifyNames drains the queued IN_CREATE events and returns the names.
func inotifyNames(t *testing.T, fd int) []string {
	t.Helper()
	var names []string
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EAGAIN || n <= 0 {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
			names = append(names, name)
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

// TestSingleFileBindMountedBinary: the binary mounted as a single file (as
// `docker run -v ./stagebox:/usr/local/bin/stagebox` does) made every RUN
// fail with "exec format error": the per-RUN sealed view is an overlay of
// the binary's directory, which shows the file under the mount.
func TestSingleFileBindMountedBinary(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		if a.rootless() {
			t.Skip("a bind mount needs root")
		}
		s := newStore(t, a)
		s.busybox(t)
		dir := s.scratch(t, "bin")
		placeholder := filepath.Join(dir, "stagebox")
		must(t, os.WriteFile(placeholder, nil, 0o755)) // Docker makes it empty, mode 0755
		wrap := opts{wrap: []string{"unshare", "-m", "--propagation", "private", "sh", "-c",
			`mount --bind "$1" "$0" && shift && exec "$0" "$@"`, placeholder}}
		r := s.run(t, wrap, "bud", s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo ran > /ran\n"}))
		if r.code != 0 {
			t.Fatalf("build with a bind-mounted binary failed:\n%s", r)
		}
		wantFile(t, s.image(t, r.id(t)).Files(), "/ran", "ran\n")
	})
}

// TestProotRunDiesWithStagebox: a process proot traces is detached, not
// killed, when proot dies; stagebox interrupted (SIGINT) or killed outright
// (SIGKILL, as the OOM killer does) must still take the RUN with it.
func TestProotRunDiesWithStagebox(t *testing.T) {
	sleeper := []string{"sleep", "4178"}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.prootBase(t, busyboxLayout, "busybox")
		ctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN " + strings.Join(sleeper, " ") + "\n"})
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
			running := func(string) bool { return len(processesRunning(sleeper)) > 0 }
			r := s.interrupt(t, s.dir, running, sig, "--isolation", "proot", "bud", "--no-cache", ctx)
			if r.code == 0 {
				t.Errorf("%s: exit status 0", sig)
			}
			if !waitFor(10*time.Second, func() bool { return len(processesRunning(sleeper)) == 0 }, nil) {
				t.Errorf("after %s the RUN's process outlived stagebox: %v", sig, processesRunning(sleeper))
			}
		}
	})
}
