package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RUN executes a stranger's commands as root in the image: these tests
// check from inside a RUN (the image records what it saw) and from the
// host that it sees and changes nothing of the host.

// hostSleeper is a process on the host that RUNs must not see.
var hostSleeper = []string{"sleep", "4171"}

func TestRunSeesNoHostProcessesAndNoHostRoot(t *testing.T) {
	c := newCanary(t)
	sleeper := startHostProcess(t, hostSleeper)
	dockerfile := fmt.Sprintf(`FROM busybox
RUN ls /proc | grep -c '^[0-9]' > /nprocs; cat /proc/[0-9]*/cmdline | tr '\0' ' ' > /cmdlines
RUN cat /proc/[0-9]*/root%[1]s/secret /proc/1/cwd/../../../../..%[1]s/secret /proc/1/root/../../..%[1]s/secret > /leak 2>/dev/null; ls -l /proc/self/fd/ /proc/1/fd/ > /fds 2>&1; true
`, c.dir)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		fs := s.image(t, s.build(t, dockerfile, nil)).Files()
		if n := strings.TrimSpace(string(wantPresent(t, fs, "/nprocs").Data)); n != "2" && n != "3" {
			t.Errorf("RUN sees %s processes in /proc, want only its own shell and ls", n)
		}
		if cmdlines := string(wantPresent(t, fs, "/cmdlines").Data); strings.Contains(cmdlines, strings.Join(hostSleeper, " ")) {
			t.Errorf("RUN sees the host process %v (pid %d): %s", hostSleeper, sleeper, cmdlines)
		}
		wantFile(t, fs, "/leak", "")
		for _, line := range strings.Split(string(wantPresent(t, fs, "/fds").Data), "\n") {
			if _, target, ok := strings.Cut(line, " -> "); ok && strings.HasPrefix(target, "/") && target != "/dev/null" && target != "/fds" {
				t.Errorf("RUN holds a file descriptor on a host path: %s", line)
			}
		}
		c.unchanged(t)
	})
}

// TestRunHasRuncsMaskedAndReadOnlyPaths: the kernel interfaces runc's
// default spec hides read as empty, and /proc/sys and friends cannot be
// written, even by root in the RUN.
func TestRunHasRuncsMaskedAndReadOnlyPaths(t *testing.T) {
	masked := "/proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats " +
		"/proc/sched_debug /proc/scsi /sys/firmware /sys/devices/virtual/powercap"
	// Writing each file's own value back: harmless if the write got through.
	readOnly := "/proc/sys/vm/overcommit_ratio /proc/sys/kernel/domainname /proc/sys/net/core/somaxconn " +
		"/proc/sysrq-trigger /proc/irq/default_smp_affinity"
	dockerfile := fmt.Sprintf(`FROM busybox
RUN for p in %s; do if [ -d $p ]; then echo "$p $(ls -A $p | wc -l)"; elif [ -e $p ]; then echo "$p $(wc -c < $p)"; fi; done > /masked
RUN for p in %s; do if [ -e $p ] && v=$(cat $p 2>/dev/null) && echo "$v" > $p; then echo "wrote $p"; fi; done > /ro-writes 2>/dev/null; mount -t tmpfs none /mnt 2>/dev/null && echo mounted >> /ro-writes; true
`, masked, readOnly)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		fs := s.image(t, s.build(t, dockerfile, nil)).Files()
		for _, line := range strings.Split(strings.TrimSpace(string(wantPresent(t, fs, "/masked").Data)), "\n") {
			if path, n, _ := strings.Cut(line, " "); line != "" && n != "0" {
				t.Errorf("%s is not masked in RUN: %s entries or bytes", path, n)
			}
		}
		wantFile(t, fs, "/ro-writes", "")
	})
}

// TestWorkdirThroughProcFdFailsOrStaysInside is the CVE-2024-21626
// pattern: a WORKDIR naming a file descriptor the container init might
// have leaked, which would put the RUN's cwd on the host.
func TestWorkdirThroughProcFdFailsOrStaysInside(t *testing.T) {
	c := newCanary(t)
	var dirs []string
	for n := 3; n <= 9; n++ {
		dirs = append(dirs, fmt.Sprintf("/proc/self/fd/%d", n))
	}
	dirs = append(dirs, "/proc/thread-self/fd/3", "/proc/1/cwd", "/proc/self/root/..")
	climb := strings.Repeat("../", 12)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, dir := range dirs {
			dockerfile := fmt.Sprintf("FROM busybox\nWORKDIR %s\nRUN cat %s%s/secret > /leak 2>&1; echo pwned > %s%s/secret; pwd > /pwd\n",
				dir, climb, c.dir, climb, c.dir)
			r := s.bud(t, opts{}, dockerfile, nil)
			c.notIn(t, "stagebox's output", r.stdout+r.stderr)
			if r.code != 0 {
				wantOneLineError(t, r, "Dockerfile:3")
			} else {
				c.notInImage(t, s.image(t, r.id(t)).Files())
			}
			c.unchanged(t)
		}
	})
}

// TestUserNobodyCannotWriteRootsFiles: USER applies to RUN with no
// capabilities left, so root's files stay root's.
func TestUserNobodyCannotWriteRootsFiles(t *testing.T) {
	dockerfile := `FROM busybox
COPY --chmod=600 secret /root-only
USER nobody
RUN for act in "echo x >> /etc/passwd" "touch /new-in-root" "chown nobody /etc/group" "cat /root-only" "chmod 777 /bin/busybox"; do if sh -c "$act" 2>/dev/null; then echo "did: $act"; fi; done > /tmp/nobody; grep CapEff /proc/self/status > /tmp/caps
USER root
RUN grep CapEff /proc/self/status > /tmp/root-caps
`
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		fs := s.image(t, s.build(t, dockerfile, map[string]string{"secret": "s3cret\n"})).Files()
		wantFile(t, fs, "/tmp/nobody", "")
		wantFile(t, fs, "/tmp/caps", "CapEff:\t0000000000000000\n")
		// Docker's default capability set, and no more, for root.
		wantFile(t, fs, "/tmp/root-caps", "CapEff:\t00000000a80425fb\n")
		wantAbsent(t, fs, "/new-in-root")
	})
}

// TestSetuidBitsAndInImageOwnershipSurvive: what a RUN or COPY sets is
// what the image holds, ids as the image sees them (not the host's
// subordinate ids of a rootless build).
func TestSetuidBitsAndInImageOwnershipSurvive(t *testing.T) {
	dockerfile := `FROM busybox
RUN cp /bin/busybox /su && chmod 4755 /su && cp /bin/busybox /sg && chmod 2755 /sg && touch /owned && chown 1234:5678 /owned && mkdir -m 1777 /sticky
COPY --chmod=4755 --chown=4321:8765 tool /tool
RUN stat -c '%u:%g %a' /owned /tool /su > /seen
`
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		fs := s.image(t, s.build(t, dockerfile, map[string]string{"tool": "#!/bin/sh\n"})).Files()
		wantMode(t, fs, "/su", 0o4755)
		wantMode(t, fs, "/sg", 0o2755)
		wantMode(t, fs, "/sticky", 0o1777)
		wantMode(t, fs, "/tool", 0o4755)
		wantOwner(t, fs, "/owned", 1234, 5678)
		wantOwner(t, fs, "/tool", 4321, 8765)
		wantFile(t, fs, "/seen", "1234:5678 644\n4321:8765 4755\n0:0 4755\n")
	})
}

// TestRunMountsAreInvisibleToTheHost: while a RUN runs, the host's mount
// table holds none of the build's mounts (rootfs overlay, /proc, binds),
// and none is left afterwards.
func TestRunMountsAreInvisibleToTheHost(t *testing.T) {
	sleeper := []string{"sleep", "4173"}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN " + strings.Join(sleeper, " ") + "\n"})
		cmd := a.command(context.Background(), s.dir, opts{}, s.args("bud", ctx)...)
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		must(t, cmd.Start())
		defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if !waitFor(60*time.Second, func() bool { return len(processesRunning(sleeper)) > 0 }, exited) {
			t.Fatalf("the RUN never started:\n%s", out.String())
		}
		if m := mountsUnder(t, s.dir); len(m) > 0 {
			t.Errorf("the host sees the build's mounts during a RUN:\n%s", strings.Join(m, "\n"))
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		<-exited
		if m := mountsUnder(t, s.dir); len(m) > 0 {
			t.Errorf("mounts left after the build:\n%s", strings.Join(m, "\n"))
		}
	})
}

// startHostProcess runs argv on the host until the test ends.
func startHostProcess(t *testing.T, argv []string) int {
	t.Helper()
	p, err := os.StartProcess("/bin/"+argv[0], argv, &os.ProcAttr{})
	must(t, err)
	t.Cleanup(func() { p.Kill(); p.Wait() })
	return p.Pid
}
