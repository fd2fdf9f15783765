package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"go.podman.io/storage/pkg/reexec"
)

// recordOwnerEnv tells unpack to record, in a user.stagebox.owner extended
// attribute, the owner a chown was refused for, and layers to write it (and
// 0:0 for the caller's own files) into the layer's tar headers: under proot
// as non-root, every file on disk belongs to the caller.
const recordOwnerEnv = "STAGEBOX_RECORD_OWNER"

var prootWarnOnce sync.Once

// enterProot prepares this process for the proot tier: no namespace is
// entered. As non-root every file belongs to the caller, so ownership
// changes are tolerated, layers record the ids stagebox itself set (and
// 0:0 for what RUN wrote), and the user hears so once.
func enterProot() error {
	if os.Geteuid() == 0 {
		return nil
	}
	os.Setenv(chownTolerantEnv, "1")
	os.Setenv(recordOwnerEnv, fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid()))
	prootWarnOnce.Do(func() {
		fmt.Fprintln(os.Stderr, "warning: proot runs RUN as your own user, so files RUN writes are recorded as owned by 0:0; ids stagebox sets itself (COPY --chown, the base image's files) are kept")
	})
	return nil
}

// refuseForProot fails what proot cannot do, before anything runs.
func refuseForProot(p Process, proot string) error {
	if p.Network == "none" {
		return errors.New("--network none cannot be enforced under proot (no network namespace is allowed here): drop --network none, or build where user namespaces work (see stagebox info)")
	}
	if p.Terminal {
		return errors.New("run -t: a pseudo-terminal is not given under the proot tier yet: drop -t (stdin stays attached), or run where user namespaces work (see stagebox info)")
	}
	if proot == "" {
		return errors.New("proot is not installed (not on PATH nor next to stagebox): apt-get install proot")
	}
	return nil
}

// prootTargets are the paths proot binds over in the rootfs.
func prootTargets(p Process) []string {
	t := []string{"/proc", "/dev", "/sys", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname"}
	for _, m := range p.Mounts {
		t = append(t, m.Destination)
	}
	return t
}

// runProot runs p through proot: ptrace path translation into p.Rootfs,
// with /proc, /dev and /sys bound from the host and the per-run hosts,
// resolv.conf and hostname files bound over the rootfs's own.
func runProot(ctx context.Context, p Process, proot string, files etcFiles) (int, error) {
	args, err := prootArgs(p, files)
	if err != nil {
		return -1, err
	}
	// The reaper's parent-death signal belongs to this thread: keep it
	// alive until the reaper is gone (see run).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := reexec.Command(append([]string{prootReaperName, proot}, args...)...)
	cmd.Env = append(envWithPath(p.Env), "PROOT_TMP_DIR="+p.StateDir)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.Stdin, p.Stdout, p.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("starting proot: %w", err)
	}
	return waitProot(ctx, cmd)
}

func waitProot(ctx context.Context, cmd *exec.Cmd) (int, error) {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return exitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus)), nil
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM) // the reaper kills proot's group
		<-done
		return -1, ctx.Err()
	}
}

// prootArgs is proot's command line for p. proot cannot make a bind
// read-only; Mount.ReadOnly is honoured by libcontainer only.
func prootArgs(p Process, files etcFiles) ([]string, error) {
	args := []string{"-r", p.Rootfs, "-w", cwdOf(p)}
	if p.UID == 0 && p.GID == 0 {
		args = append(args, "-0")
	} else {
		args = append(args, "-i", strconv.FormatUint(uint64(p.UID), 10)+":"+strconv.FormatUint(uint64(p.GID), 10))
	}
	for _, b := range []string{"/proc", "/dev", "/sys"} {
		args = append(args, "-b", b)
	}
	for _, f := range []struct{ src, dst string }{
		{files.hosts, "/etc/hosts"}, {files.resolvConf, "/etc/resolv.conf"}, {files.hostname, "/etc/hostname"},
	} {
		args = append(args, "-b", f.src+":"+f.dst)
	}
	for i, m := range p.Mounts {
		b, err := prootBind(m, p.StateDir, i)
		if err != nil {
			return nil, err
		}
		args = append(args, "-b", b)
	}
	return append(args, p.Args...), nil
}

// prootBind is one -b argument. proot has no tmpfs: a tmpfs mount becomes
// a fresh directory in the run's state directory, which is removed with it
// (its size= cannot be enforced).
func prootBind(m Mount, stateDir string, i int) (string, error) {
	if m.Type == MountTmpfs {
		m.Source = filepath.Join(stateDir, "tmpfs-"+strconv.Itoa(i))
		// World-writable and sticky like a fresh tmpfs (chmod: umask applies to mkdir).
		err := os.Mkdir(m.Source, 0o700)
		if err == nil {
			err = os.Chmod(m.Source, 0o777|os.ModeSticky)
		}
		if err != nil {
			return "", fmt.Errorf("tmpfs mount %s under proot: %w", m.Destination, err)
		}
	}
	if strings.Contains(m.Source, ":") || strings.Contains(m.Destination, ":") {
		return "", fmt.Errorf("proot cannot bind a path containing ':' (%s:%s)", m.Source, m.Destination)
	}
	return m.Source + ":" + m.Destination, nil
}
