package sandbox

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// prootReaperName is this binary re-executed to watch one proot. A process
// proot traces is detached, not killed, when proot dies, so a stagebox
// killed outright (SIGKILL, the OOM killer) would leave the RUN running.
// The reaper gets SIGTERM when stagebox dies (parent-death signal), runs
// proot in a process group of its own, and kills that group when told to,
// and after proot exits (a RUN's background processes end with its step,
// as in a container).
const prootReaperName = "stagebox-proot-reaper"

func init() {
	reexec.Register(prootReaperName, prootReaper)
}

// prootReaper runs os.Args[1:] (proot and its arguments) and exits with
// its status.
func prootReaper() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.Stderr.WriteString("starting proot: " + err.Error() + "\n")
		os.Exit(127)
	}
	pgid := cmd.Process.Pid
	go func() {
		<-sigs
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}()
	_ = cmd.Wait()
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	reapAll()
	os.Exit(exitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus)))
}

// reapAll waits for the orphans that were handed to this subreaper.
func reapAll() {
	for {
		var ws unix.WaitStatus
		if pid, err := unix.Wait4(-1, &ws, 0, nil); pid <= 0 || err != nil {
			return
		}
	}
}
