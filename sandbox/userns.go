package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"strconv"
	"sync"
	"syscall"

	"go.podman.io/storage/pkg/unshare"
)

// mountNSEnv marks the root re-exec child, which already runs in a private
// mount namespace and must not re-exec again.
const mountNSEnv = "_STAGEBOX_PRIVATE_MOUNTNS"

// EnterUserNamespace re-execs the current command inside a user namespace
// (and mount namespace) for a non-root user, mapping the /etc/subuid and
// /etc/subgid ranges through newuidmap/newgidmap. With no ranges it maps
// the user alone, turns on ChownTolerant and prints one warning line. As
// root it re-execs into a private mount namespace only, so no storage mount
// leaks to the host. In the parent it does not return on success: it exits
// with the child's status. In the child it returns nil. A detectable
// problem is returned as an error giving cause and fix.
func EnterUserNamespace() error {
	if inOwnNamespace() {
		enterChild(os.Stderr)
		return nil
	}
	s := current()
	switch {
	case s.Isolation.Tier == TierProot:
		return enterProot()
	case s.KeepRoot:
		return reexecKeepingRootIDs()
	case os.Geteuid() == 0:
		return reexecInMountNamespace()
	case s.MapIssue != "":
		return reexecSingleID(problem{cause: s.MapIssue})
	}
	me, err := user.Current()
	if err != nil {
		return fmt.Errorf("looking up the current user: %w", err)
	}
	probs := defaultProbe().check(me.Username)
	if err := fatalError(probs); err != nil {
		return err
	}
	if p, ok := mapToolProblem(probs); ok {
		return reexecSingleID(p)
	}
	uid, err := strconv.Atoi(me.Uid)
	if err != nil {
		return fmt.Errorf("looking up the current user: uid %q: %w", me.Uid, err)
	}
	gid, err := strconv.Atoi(me.Gid)
	if err != nil {
		return fmt.Errorf("looking up the current user: gid %q: %w", me.Gid, err)
	}
	// No ranges (a problem the child states in one line, enterChild) maps
	// the user alone, still through the tools.
	subUIDs, subGIDs, _ := unshare.GetSubIDMappings(me.Username, me.Username)
	uids, gids := subIDMaps(uid, gid, subUIDs, subGIDs)
	return reexecInUserNamespace(usernsChild{uids: uids, gids: gids, setgroups: true})
}

// inOwnNamespace reports whether this process is already the child of
// EnterUserNamespace (or of `podman unshare`, which sets the same marker).
func inOwnNamespace() bool {
	return os.Getenv(unshare.UsernsEnvName) != "" || os.Getenv(mountNSEnv) != ""
}

// reexecInMountNamespace runs this same command again in a new mount
// namespace and exits with its status. unshare(CLONE_NEWNS) in this process
// would move only the calling OS thread: Go runs goroutines (and the storage
// library's mounts) on any thread, so only a fresh process is reliably
// entirely inside. Go's fork makes / recursively private in the child.
func reexecInMountNamespace() error {
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = markParent(append(os.Environ(), mountNSEnv+"=1"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Unshareflags: syscall.CLONE_NEWNS,
		Pdeathsig:    syscall.SIGKILL,
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		signal.Stop(sigs)
		return fmt.Errorf("re-running stagebox in a private mount namespace: %w", err)
	}
	return relayAndExit(cmd, sigs)
}

// relayAndExit passes the signals that arrive on sigs to the started
// child, waits for it and exits with its status. It never returns.
func relayAndExit(cmd *exec.Cmd, sigs <-chan os.Signal) error {
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	os.Exit(exitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus)))
	return nil
}

// exitStatus turns a wait status into a shell-style exit status.
func exitStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

var chownTolerant = sync.OnceValue(func() bool {
	uids, gids, err := unshare.GetHostIDMappings("")
	if err != nil {
		return false
	}
	return mappedSize(uids) == 1 || mappedSize(gids) == 1
})

// ChownTolerant reports whether lchown failures must be ignored: true when
// this process runs in a user namespace that maps a single id, where any
// chown to another id fails with EINVAL.
func ChownTolerant() bool {
	return chownTolerant()
}

// warnOnce keeps the single-id warning to one line per process however
// often EnterUserNamespace is called.
var warnOnce sync.Once
