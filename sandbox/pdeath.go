package sandbox

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// parentPidEnv carries to a re-executed child the pid of the stagebox
// that started it.
const parentPidEnv = "_STAGEBOX_PARENT_PID"

// markParent records this process as the parent of the child it is about
// to start with env.
func markParent(env []string) []string {
	return append(env, parentPidEnv+"="+strconv.Itoa(os.Getpid()))
}

// rearmParentDeathSignal makes sure this re-executed child dies with the
// stagebox that started it. Its parent set a parent-death signal when
// starting it, but the kernel keeps that only on the thread it was set
// on: it is lost when the process changes credentials (entering the user
// namespace) or when any other thread calls execve (SealSelfExe's
// re-execution from a sealed copy; Go execs from whatever thread). Lost,
// a SIGKILL of stagebox (an OOM kill, a CI timeout) left the build running
// on, and with it its RUN, whose own parent-death signal then never
// fires. If the parent died before the signal was set again, nobody would
// send it: the child kills itself as the signal would have.
func rearmParentDeathSignal() {
	parent, err := strconv.Atoi(os.Getenv(parentPidEnv))
	if err != nil {
		return // not started by EnterUserNamespace's re-execution
	}
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	if os.Getppid() != parent {
		_ = unix.Kill(os.Getpid(), unix.SIGKILL)
	}
}
