package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// Probe children: this binary re-executed under these names (storage's
// reexec, dispatched by reexec.Init in main) so that a namespace the host
// refuses fails in a child, never in stagebox itself.
const (
	probeNamespacesName = "stagebox-probe-namespaces"
	probeWaitName       = "stagebox-probe-wait"
)

func init() {
	reexec.Register(probeNamespacesName, probeNamespacesChild)
	reexec.Register(probeWaitName, func() { _, _ = io.Copy(io.Discard, os.Stdin); os.Exit(0) })
}

// nsProbe is what a child in fresh namespaces could do there.
type nsProbe struct {
	start error // creating the namespaces at all
	proc  error // mounting a fresh procfs (EPERM: the container masks /proc paths)
	pivot error // pivot_root (EPERM: refused by seccomp); nil when allowed
}

// probeNamespacesChild runs as PID 1 of fresh mount and PID namespaces (and
// a user namespace for the rootless probe) and prints one line per test.
func probeNamespacesChild() {
	fmt.Printf("proc=%s\n", errName(mountFreshProc()))
	// Bad arguments make the kernel answer ENOENT once seccomp let the
	// call through; a filter answers EPERM first.
	err := unix.PivotRoot("/nonexistent-stagebox-probe", "/nonexistent-stagebox-probe")
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
		err = nil
	}
	fmt.Printf("pivot=%s\n", errName(err))
	os.Exit(0)
}

// mountFreshProc mounts a procfs on a tmpfs of this private namespace:
// what a RUN's container needs, and what masked /proc paths forbid.
func mountFreshProc() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	var base string
	for _, d := range []string{"/tmp", "/mnt", "/run", "/var", "/dev"} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			base = d
			break
		}
	}
	if err := unix.Mount("tmpfs", base, "tmpfs", 0, "size=64k"); err != nil {
		return err
	}
	if err := os.Mkdir(base+"/proc", 0o755); err != nil {
		return err
	}
	return unix.Mount("proc", base+"/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
}

func errName(err error) string {
	var en syscall.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &en):
		return strconv.Itoa(int(en))
	}
	return strconv.Itoa(int(syscall.EIO))
}

// probeNamespaces starts the probe child in new mount and PID namespaces,
// and a user namespace mapping this process's own ids to root when userns.
func probeNamespaces(userns bool) nsProbe {
	cmd := reexec.Command(probeNamespacesName)
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID, Pdeathsig: syscall.SIGKILL}
	if userns {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	cmd.SysProcAttr = attr
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return nsProbe{start: err}
	}
	return parseNSProbe(string(out))
}

// parseNSProbe reads the child's "key=errno|ok" lines.
func parseNSProbe(out string) nsProbe {
	p := nsProbe{proc: errors.New("the probe did not answer"), pivot: nil}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		var err error
		if v != "ok" {
			n, perr := strconv.Atoi(v)
			if perr != nil {
				n = int(syscall.EIO)
			}
			err = syscall.Errno(n)
		}
		switch k {
		case "proc":
			p.proc = err
		case "pivot":
			p.pivot = err
		}
	}
	return p
}

// probeNewUIDMap tries newuidmap for real on a child in a new user
// namespace, mapping the user's own id and the first id of subStart: a
// setuid newuidmap in a container fails here ("write to uid_map failed"),
// and so does any helper under no_new_privs. Returns its complaint.
func probeNewUIDMap(tool string, subStart uint32) error {
	cmd := reexec.Command(probeWaitName)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { in.Close(); _ = cmd.Wait() }()
	out, err := exec.Command(tool, strconv.Itoa(cmd.Process.Pid), "0", strconv.Itoa(os.Getuid()), "1",
		"1", strconv.FormatUint(uint64(subStart), 10), "1").CombinedOutput()
	if err != nil {
		if msg := strings.Join(strings.Fields(string(out)), " "); msg != "" {
			return errors.New(msg)
		}
		return err
	}
	return nil
}
