package sandbox

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/console"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"
)

// terminal relays a pseudo-terminal's master side to the caller's streams,
// as runc's tty.go does: the caller's terminal (when Stdin is one) goes raw
// for the run, so keys reach the process unchanged, and the pty's window
// size follows the caller's on every SIGWINCH.
type terminal struct {
	master  *os.File
	host    console.Console // nil when Stdin is not a terminal
	winch   chan os.Signal
	copying sync.WaitGroup
}

// hostConsole is in as a terminal, or nil when it is none.
func hostConsole(in io.Reader) console.Console {
	f, ok := in.(*os.File)
	if !ok {
		return nil
	}
	c, err := console.ConsoleFromFile(f)
	if err != nil {
		return nil
	}
	return c
}

// relayTerminal starts copying between master and p's streams. Output goes
// to Stdout only (a terminal has one output; Stderr is not used).
func relayTerminal(master *os.File, p Process) (*terminal, error) {
	t := &terminal{master: master, host: hostConsole(p.Stdin)}
	if t.host != nil {
		if err := t.host.SetRaw(); err != nil {
			return nil, fmt.Errorf("setting the terminal to raw mode: %w", err)
		}
		t.resize()
		t.winch = make(chan os.Signal, 1)
		signal.Notify(t.winch, syscall.SIGWINCH)
		go func() {
			for range t.winch {
				t.resize()
			}
		}()
	}
	if p.Stdin != nil {
		// Not in copying: a read of the caller's stdin ends only at EOF.
		go func() { _, _ = io.Copy(master, p.Stdin) }()
	}
	out := p.Stdout
	if out == nil {
		out = io.Discard // the process must never block on a full pty
	}
	plain := struct{ io.Writer }{out}
	t.copying.Go(func() { _, _ = io.Copy(plain, master) })
	return t, nil
}

// resize gives the pty the caller's window size.
func (t *terminal) resize() {
	if size, err := t.host.Size(); err == nil {
		_ = resizeMaster(t.master, size)
	}
}

func resizeMaster(master *os.File, size console.WinSize) error {
	c, err := console.ConsoleFromFile(master)
	if err != nil {
		return err
	}
	return c.Resize(size)
}

// close waits (not forever: an escaped process may hold the pty) for the
// output to reach the caller, then gives the caller's terminal back its
// mode.
func (t *terminal) close(limit time.Duration) {
	waitAtMost(&t.copying, limit)
	if t.winch != nil {
		signal.Stop(t.winch)
		close(t.winch)
	}
	t.master.Close()
	if t.host != nil {
		_ = t.host.Reset()
	}
}

// consoleSocket asks libcontainer for a pty: the container's init makes it
// inside the container's /dev/pts, makes it the process's controlling
// terminal and stdio, and sends us its master over a socket pair.
type consoleSocket struct{ parent, child *os.File }

// attachConsole sets proc up to get a terminal sized as p's Stdin.
func attachConsole(proc *libcontainer.Process, p Process) (*consoleSocket, error) {
	parent, child, err := utils.NewSockPair("console")
	if err != nil {
		return nil, fmt.Errorf("creating the console socket: %w", err)
	}
	proc.ConsoleSocket = child
	if h := hostConsole(p.Stdin); h != nil {
		if size, err := h.Size(); err == nil {
			proc.ConsoleWidth, proc.ConsoleHeight = size.Width, size.Height
		}
	}
	return &consoleSocket{parent: parent, child: child}, nil
}

// receive takes the master the started container sent and relays it.
func (s *consoleSocket) receive(p Process) (*terminal, error) {
	defer s.parent.Close()
	s.child.Close()
	master, err := utils.RecvFile(s.parent)
	if err != nil {
		return nil, fmt.Errorf("receiving the container's terminal: %w", err)
	}
	t, err := relayTerminal(master, p)
	if err != nil {
		master.Close()
		return nil, err
	}
	return t, nil
}

func (s *consoleSocket) close() {
	s.parent.Close()
	s.child.Close()
}

// connection joins a container's process to the caller's streams: pipes
// we own (stdio) or a terminal.
type connection struct {
	stdio   *stdio
	console *consoleSocket
	tty     *terminal
	p       Process
}

// connect sets proc's streams up before it starts.
func connect(proc *libcontainer.Process, p Process) (*connection, error) {
	c := &connection{p: p}
	if p.Terminal {
		cs, err := attachConsole(proc, p)
		if err != nil {
			return nil, err
		}
		c.console = cs
		return c, nil
	}
	s, err := newStdio(p.Stdin, p.Stdout, p.Stderr)
	if err != nil {
		return nil, err
	}
	c.stdio = s
	proc.Stdin, proc.Stdout, proc.Stderr = s.reader(), s.writer(1), s.writer(2)
	return c, nil
}

// started is called once the process was started (or failed to): it
// drops our copies of the container's ends, or takes the terminal.
func (c *connection) started() error {
	if c.stdio != nil {
		c.stdio.started()
		return nil
	}
	var err error
	c.tty, err = c.console.receive(c.p)
	return err
}

// finish waits up to limit for the output to reach the caller and
// releases everything.
func (c *connection) finish(limit time.Duration) {
	if c.stdio != nil {
		c.stdio.drain(limit)
		c.stdio.close()
		return
	}
	if c.tty != nil {
		c.tty.close(limit)
	}
	c.console.close()
}
