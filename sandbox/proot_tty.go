package sandbox

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// prootTerminalEnv tells the reaper that its stdin is a terminal made for
// this run, whose foreground process group must be proot's.
const prootTerminalEnv = "STAGEBOX_PROOT_TTY=1"

// runProotTerminal runs the reaper (and so proot and the process) in a new
// session whose controlling terminal is a pty of our own, relayed to p's
// streams as libcontainer's is.
func runProotTerminal(ctx context.Context, cmd *exec.Cmd, p Process) (int, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return -1, fmt.Errorf("opening a pseudo-terminal: %w", err)
	}
	defer slave.Close()
	if h := hostConsole(p.Stdin); h != nil {
		if size, err := h.Size(); err == nil {
			_ = resizeMaster(master, size)
		}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = append(cmd.Env, prootTerminalEnv)
	cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty, cmd.SysProcAttr.Ctty = true, true, 0
	if err := cmd.Start(); err != nil {
		master.Close()
		return -1, fmt.Errorf("starting proot: %w", err)
	}
	slave.Close()
	t, err := relayTerminal(master, p)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		master.Close()
		return -1, err
	}
	status, err := waitProot(ctx, cmd)
	t.close(5 * time.Second)
	return status, err
}

// giveTerminalTo makes pgid the foreground process group of the reaper's
// terminal, when the run has one of its own.
func giveTerminalTo(pgid int, env []string) {
	for _, e := range env {
		if e == prootTerminalEnv {
			_ = unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, pgid)
			return
		}
	}
}
