package sandbox

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunExitStatusPropagates(t *testing.T) {
	needSandbox(t)
	if status, out := shell(t, "exit 3"); status != 3 {
		t.Fatalf("status = %d, want 3 (output %q)", status, out)
	}
	if status, out := shell(t, "true"); status != 0 {
		t.Fatalf("status = %d, want 0 (output %q)", status, out)
	}
}

func TestRunSignalledStatusIs128PlusSignal(t *testing.T) {
	ws := syscall.WaitStatus(uint32(syscall.SIGKILL))
	if got := exitStatus(ws); got != 137 {
		t.Fatalf("exitStatus(killed by SIGKILL) = %d, want 137", got)
	}
}

func TestRunEnvAndCreatedCwd(t *testing.T) {
	needSandbox(t)
	root := newRootfs(t)
	id := uint32(1000)
	if ChownTolerant() {
		id = 0 // the only id there is
	}
	p := Process{Rootfs: root, Env: []string{"FOO=bar baz"}, Cwd: "/work/dir", UID: id, GID: id}
	status, out := runIn(t, p, "sh", "-c", `echo "$FOO"; pwd; echo "$PATH"; touch made-here`)
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	want := "bar baz\n/work/dir\n" + strings.TrimPrefix(defaultPath, "PATH=")
	if out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	for _, d := range []string{"work", "work/dir"} {
		st, err := os.Stat(filepath.Join(root, d))
		if err != nil {
			t.Fatal(err)
		}
		if sys := st.Sys().(*syscall.Stat_t); sys.Uid != id || sys.Gid != id {
			t.Errorf("/%s owned by %d:%d, want %d:%d", d, sys.Uid, sys.Gid, id, id)
		}
	}
}

func TestRunAsUserWithSupplementaryGroups(t *testing.T) {
	needSandbox(t)
	if ChownTolerant() {
		t.Skip("only one id is mapped, so uid 1000 does not exist here")
	}
	p := Process{Rootfs: newRootfs(t), UID: 1000, GID: 1001, AdditionalGids: []uint32{2000}}
	status, out := runIn(t, p, "sh", "-c", "id -u; id -g; id -G")
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 3 || lines[0] != "1000" || lines[1] != "1001" || !strings.Contains(lines[2], "2000") {
		t.Fatalf("id printed %q, want uid 1000, gid 1001, groups with 2000", out)
	}
}

func TestRunHasOwnPIDNamespace(t *testing.T) {
	needSandbox(t)
	status, out := shell(t, `echo $$; ls /proc | grep -c '^[0-9]'`)
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 2 || lines[0] != "1" {
		t.Fatalf("the shell is not PID 1: %q", out)
	}
	if n, _ := strconv.Atoi(lines[1]); n < 1 || n > 4 {
		t.Fatalf("/proc shows %s processes, want only the container's few", lines[1])
	}
}

func TestRunNetworkNoneHasOnlyLoopback(t *testing.T) {
	needSandbox(t)
	p := Process{Rootfs: newRootfs(t), Network: "none"}
	status, out := runIn(t, p, "sh", "-c", `grep ':' /proc/net/dev | cut -d: -f1; cat /sys/class/net/lo/operstate`)
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	lines := strings.Fields(out)
	if len(lines) != 2 || lines[0] != "lo" {
		t.Fatalf("interfaces %q, want only lo", out)
	}
	if lines[1] == "down" {
		t.Fatalf("loopback is down")
	}
}

func TestRunHostNetworkSharesInterfaces(t *testing.T) {
	needSandbox(t)
	host, err := os.ReadFile("/proc/net/dev")
	if err != nil {
		t.Fatal(err)
	}
	status, out := shell(t, "cat /proc/net/dev")
	if status != 0 || out != strings.TrimSpace(string(host)) {
		t.Fatalf("status %d, container /proc/net/dev differs from the host's:\n%s", status, out)
	}
}

func TestRunProcSysIsReadOnly(t *testing.T) {
	needSandbox(t)
	status, out := shell(t, `echo x > /proc/sys/kernel/hostname && echo WROTE`)
	if status == 0 || strings.Contains(out, "WROTE") {
		t.Fatalf("writing /proc/sys succeeded: status %d, %q", status, out)
	}
}

func TestRunEtcFilesPresentButLeaveNoTrace(t *testing.T) {
	needSandbox(t)
	root := newRootfs(t)
	before, err := os.Stat(filepath.Join(root, "etc"))
	if err != nil {
		t.Fatal(err)
	}
	p := Process{Rootfs: root, Hostname: "builder"}
	status, out := runIn(t, p, "sh", "-c", "cat /etc/hosts /etc/hostname; hostname; test -e /etc/resolv.conf && echo RESOLV")
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	for _, want := range []string{"127.0.0.1", "localhost", "builder", "RESOLV"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, p := range []string{"etc/hosts", "etc/resolv.conf", "etc/hostname", "proc", "dev", "sys"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("/%s left in the rootfs (err %v)", p, err)
		}
	}
	after, err := os.Stat(filepath.Join(root, "etc"))
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("/etc mtime changed from %v to %v", before.ModTime(), after.ModTime())
	}
}

func TestRunRemovesCreatedMountTargetsButKeepsWhatTheStepWrote(t *testing.T) {
	needSandbox(t)
	root := newRootfs(t)
	if err := os.RemoveAll(filepath.Join(root, "etc")); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	p := Process{Rootfs: root, Mounts: []Mount{{Source: cache, Destination: "/cache"}}}
	status, out := runIn(t, p, "sh", "-c", "echo data > /cache/f && echo motd > /etc/motd")
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	if _, err := os.Stat(filepath.Join(root, "cache")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("mount target /cache left in the rootfs: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "f")); err != nil {
		t.Errorf("write through the mount lost: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "etc", "motd")); err != nil {
		t.Errorf("/etc/motd written by the step is gone: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc", "hosts")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("/etc/hosts left in the rootfs: %v", err)
	}
}

func TestRunExtraMountReadOnly(t *testing.T) {
	needSandbox(t)
	src := t.TempDir()
	mustWrite(t, filepath.Join(src, "in.txt"), "hello\n", 0o644)
	p := Process{Rootfs: newRootfs(t), Mounts: []Mount{{Source: src, Destination: "/src", ReadOnly: true}}}
	status, out := runIn(t, p, "sh", "-c", "cat /src/in.txt; touch /src/new 2>/dev/null && echo WROTE; true")
	if status != 0 || out != "hello" {
		t.Fatalf("status %d, output %q, want hello and no write", status, out)
	}
}

func TestRunStdin(t *testing.T) {
	needSandbox(t)
	p := Process{Rootfs: newRootfs(t), Stdin: strings.NewReader("from stdin\n")}
	if status, out := runIn(t, p, "cat"); status != 0 || out != "from stdin" {
		t.Fatalf("status %d, output %q", status, out)
	}
}

func TestRunStreamsOutput(t *testing.T) {
	needSandbox(t)
	r, w := io.Pipe()
	p := Process{Rootfs: newRootfs(t), Args: []string{"sh", "-c", "echo first; sleep 3"},
		Stdout: w, StateDir: filepath.Join(t.TempDir(), "state")}
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), p)
		w.Close()
		done <- err
	}()
	start := time.Now()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("first line took %v: output is buffered", d)
	}
	go io.Copy(io.Discard, r)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRunCancelKillsTheContainer(t *testing.T) {
	needSandbox(t)
	root := newRootfs(t)
	state := filepath.Join(t.TempDir(), "state")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	// A background child too: killing the PID namespace's init must take it along.
	_, err := Run(ctx, Process{Rootfs: root, StateDir: state, Args: []string{"sh", "-c", "sleep 100 & sleep 100"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir left behind: %v", err)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	for _, p := range []Process{
		{Rootfs: "/x", StateDir: "/s"},
		{Rootfs: "rel", StateDir: "/s", Args: []string{"true"}},
		{Rootfs: "/x", Args: []string{"true"}},
		{Rootfs: "/x", StateDir: "/s", Args: []string{"true"}, Network: "bridge"},
	} {
		if _, err := Run(context.Background(), p); err == nil {
			t.Errorf("Run(%+v) succeeded", p)
		}
	}
}

func TestRunOverhead(t *testing.T) {
	needSandbox(t)
	if testing.Short() {
		t.Skip("timing only")
	}
	root := newRootfs(t)
	const n = 20
	start := time.Now()
	for range n {
		if status, out := runIn(t, Process{Rootfs: root}, "true"); status != 0 {
			t.Fatalf("status %d: %s", status, out)
		}
	}
	t.Logf("per-Run overhead: %v (mean of %d runs of true)", time.Since(start)/n, n)
}
