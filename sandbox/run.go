package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	// Registers the device-cgroup writer: as real root a RUN is confined to
	// the default device rules (it gets CAP_MKNOD, so without them it could
	// open the host's disks). Inside a user namespace it is a no-op.
	_ "github.com/opencontainers/cgroups/devices"
)

// Process is one process to run in one rootfs.
type Process struct {
	Rootfs         string   // mounted rootfs (already exists)
	Args           []string // argv[0] is resolved against PATH in Env inside the rootfs if not absolute
	Env            []string // PATH defaults to Docker's when absent
	Cwd            string   // inside the rootfs; created (owned by UID:GID) if missing
	UID, GID       uint32
	AdditionalGids []uint32
	Network        string // "host" (default when "") or "none" (own netns, loopback up)
	Hostname       string // optional; "stagebox" when empty
	Mounts         []Mount
	Stdin          io.Reader // may be nil
	Stdout, Stderr io.Writer // may be nil; written as output comes
	StateDir       string    // private dir for libcontainer state and per-run files; removed after

	// bud's --add-host, --no-hosts, --ulimit, --memory and --cpu-shares
	// (issue 12, item 11).
	AddHosts []string // "HOST:IP", added to the generated /etc/hosts
	NoHosts  bool     // bind no generated /etc/hosts: the rootfs's own is seen
	// DNS (bud --dns, issue 9): nameserver addresses of the generated
	// /etc/resolv.conf instead of the host's resolver configuration.
	DNS     []string
	Rlimits []Rlimit
	Limits  Limits // applied only where LimitsApply

	// stagebox run -t (issue 9, item 5): the process gets a new
	// pseudo-terminal as its controlling terminal and stdio, relayed to
	// Stdin and Stdout (Stderr is unused); when Stdin is a terminal it is
	// raw for the run and the pty's size follows it.
	Terminal bool
}

// Rlimit is one resource limit of the process, as setrlimit(2) takes it:
// Resource is unix.RLIMIT_NOFILE and the like.
type Rlimit struct {
	Resource   int
	Soft, Hard uint64
}

// rlimits converts p's limits for libcontainer, which sets them on the
// process as it starts (the container config's are only the defaults).
func rlimits(p Process) []configs.Rlimit {
	var out []configs.Rlimit
	for _, r := range p.Rlimits {
		out = append(out, configs.Rlimit{Type: r.Resource, Soft: r.Soft, Hard: r.Hard})
	}
	return out
}

// Mount is an extra mount into the rootfs: a bind mount of Source (the
// default), or a fresh tmpfs. Options are added to the mount's own
// (a tmpfs's "size=1m", "mode=1777").
type Mount struct {
	Type                string // MountBind ("" means bind) or MountTmpfs
	Source, Destination string
	ReadOnly            bool
	Options             []string
}

// Mount types.
const (
	MountBind  = "bind"
	MountTmpfs = "tmpfs"
)

// Run runs p to completion and returns its exit status (128+signal when it
// was killed by a signal). err is for failures to set up or start; on ctx
// cancellation Run kills the container, destroys it and returns ctx.Err().
// Mount targets Run had to create in the rootfs are removed afterwards.
func Run(ctx context.Context, p Process) (exitStatus int, err error) {
	if err := validate(p); err != nil {
		return -1, err
	}
	if err := ctx.Err(); err != nil {
		return -1, err
	}
	unlock := lockRootfs(p.Rootfs)
	defer unlock()
	if err := os.MkdirAll(p.StateDir, 0o700); err != nil {
		return -1, fmt.Errorf("creating the run state directory: %w", err)
	}
	defer os.RemoveAll(p.StateDir)
	files, err := writeEtcFiles(p.StateDir, hostnameOf(p), p.AddHosts, p.DNS)
	if err != nil {
		return -1, err
	}
	s := current()
	if s.Isolation.Tier == TierProot {
		if err := refuseForProot(p, s.Proot); err != nil {
			return -1, err
		}
		return withTraces(p, prootTargets(p), func() (int, error) {
			return runProot(ctx, p, s.Proot, files)
		})
	}
	h, err := currentHost(p)
	if err != nil {
		return -1, err
	}
	spec := buildSpec(p, h, files)
	var targets []string
	for _, m := range spec.Mounts {
		targets = append(targets, m.Destination)
	}
	return withTraces(p, targets, func() (int, error) {
		return run(ctx, p, spec, h)
	})
}

// withTraces creates the working directory, runs fn, and removes the mount
// targets that did not exist in the rootfs before (see traces).
func withTraces(p Process, targets []string, fn func() (int, error)) (exitStatus int, err error) {
	tr := traces{rootfs: p.Rootfs}
	for _, t := range targets {
		if err := tr.recordMissing(t); err != nil {
			return -1, err
		}
	}
	defer func() {
		if cerr := tr.cleanup(); cerr != nil && err == nil {
			exitStatus, err = -1, cerr
		}
	}()
	if err := ensureCwd(p.Rootfs, cwdOf(p), p.UID, p.GID); err != nil {
		return -1, err
	}
	return fn()
}

func validate(p Process) error {
	switch {
	case len(p.Args) == 0 || p.Args[0] == "":
		return errors.New("sandbox: no command to run")
	case !filepath.IsAbs(p.Rootfs):
		return fmt.Errorf("sandbox: rootfs %q is not an absolute path", p.Rootfs)
	case p.StateDir == "":
		return errors.New("sandbox: no state directory given")
	case p.Network != "" && p.Network != "host" && p.Network != "none":
		return fmt.Errorf("unknown network mode %q: use host or none", p.Network)
	case !validMounts(p.Mounts):
		return errors.New("sandbox: a mount has an unknown type or a relative destination")
	case os.Geteuid() != 0 && !IsProot():
		return fmt.Errorf("sandbox: RUN needs root or stagebox's user namespace, but this process runs as uid %d: call EnterUserNamespace first", os.Geteuid())
	}
	return nil
}

// run creates, starts and waits for the container, and always destroys it.
//
// The goroutine stays locked to its OS thread from start to exit: the
// container's init gets SIGKILL when the thread that forked it dies
// (ParentDeathSignal is per thread), and libcontainer ends threads on
// purpose (its mount-source helper locks a thread and returns). Unlocked, a
// second RUN's init could be forked from such a thread and be killed the
// moment the first RUN's helper finished: concurrent stages died with 137.
func run(ctx context.Context, p Process, spec *specs.Spec, h host) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	id, err := newID()
	if err != nil {
		return -1, err
	}
	cfg, err := libcontainerConfig(spec, id, h)
	if err != nil {
		return -1, err
	}
	ctr, err := libcontainer.Create(filepath.Join(p.StateDir, "libcontainer"), id, cfg)
	if err != nil {
		return -1, fmt.Errorf("creating the RUN container: %w", err)
	}
	defer func() {
		if err := ctr.Destroy(); err != nil {
			logrus.Warnf("removing RUN container %s: %v", id, err)
		}
	}()
	proc := &libcontainer.Process{
		Args: p.Args, Env: spec.Process.Env, Cwd: spec.Process.Cwd,
		UID: int(p.UID), GID: int(p.GID), AdditionalGroups: toInts(p.AdditionalGids),
		Init: true, Rlimits: rlimits(p),
	}
	conn, err := connect(proc, p)
	if err != nil {
		return -1, err
	}
	err = ctr.Run(proc)
	if serr := conn.started(); err == nil && serr != nil {
		_ = ctr.Signal(syscall.SIGKILL)
		err = serr
	}
	if err != nil {
		conn.finish(time.Second)
		return -1, fmt.Errorf("starting %s: %w", p.Args[0], err)
	}
	status, err := wait(ctx, ctr, proc)
	conn.finish(5 * time.Second)
	return status, err
}

// wait returns the exit status of proc, or kills the container and returns
// ctx.Err() when ctx ends first. Killing the init of a PID namespace kills
// every process in it.
func wait(ctx context.Context, ctr *libcontainer.Container, proc *libcontainer.Process) (int, error) {
	done := make(chan *os.ProcessState, 1)
	go func() {
		ps, _ := proc.Wait()
		done <- ps
	}()
	select {
	case ps := <-done:
		if ps == nil {
			return -1, errors.New("waiting for the RUN process: no exit status")
		}
		return exitStatus(ps.Sys().(syscall.WaitStatus)), nil
	case <-ctx.Done():
		_ = ctr.Signal(syscall.SIGKILL)
		<-done
		return -1, ctx.Err()
	}
}

// rootfsLocks serializes Runs in the same rootfs: each creates and removes
// the mount targets missing from it, and two at once would remove each
// other's. Builds never share a rootfs between concurrent steps; this only
// makes a caller's mistake slow instead of broken.
var rootfsLocks sync.Map // rootfs path -> *sync.Mutex

func lockRootfs(rootfs string) (unlock func()) {
	m, _ := rootfsLocks.LoadOrStore(filepath.Clean(rootfs), &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

func validMounts(ms []Mount) bool {
	for _, m := range ms {
		if (m.Type != "" && m.Type != MountBind && m.Type != MountTmpfs) || !filepath.IsAbs(m.Destination) {
			return false
		}
	}
	return true
}

func newID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a container id: %w", err)
	}
	return "stagebox-" + hex.EncodeToString(b), nil
}

func toInts(ids []uint32) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}
