package stages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/unpack"
	"golang.org/x/sys/unix"
)

// defaultPath is the PATH Docker gives a RUN when the image sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// exitError is a RUN whose process ended with a non-zero status.
type exitError struct {
	status int
	full   bool // the disk the layer is written to was full afterwards
}

func (e *exitError) Error() string {
	if e.full {
		return fmt.Sprintf("RUN exited with status %d, and the disk holding the build's layers is full: free space there and retry", e.status)
	}
	return fmt.Sprintf("RUN exited with status %d", e.status)
}

func (st *stageState) run(ctx context.Context, c *instructions.RunCommand) error {
	network := st.runNetwork(c)
	mounts := instructions.GetMounts(c)
	if err := st.checkMounts(mounts); err != nil {
		return err
	}
	var files []string
	for _, f := range c.Files {
		files = append(files, f.Name, f.Data)
	}
	key := st.runKey(historyText(c), files, network)
	bound, err := st.mountKey(ctx, mounts)
	if err != nil {
		return err
	}
	return st.fsStep(c, append(key, bound...), func(root string) (bool, error) {
		err := st.runIn(ctx, root, c, network, mounts)
		var ee *exitError
		if errors.As(err, &ee) {
			// A RUN that fails on ENOSPC says so only in its own output;
			// the one error line should name the cause.
			ee.full = diskFull(root)
			return false, &Error{File: st.b.plan.File, Line: startLine(c.Location()), Err: err}
		}
		return true, err
	})
}

// runIn runs one RUN's process in the mounted rootfs root.
func (st *stageState) runIn(ctx context.Context, root string, c *instructions.RunCommand, network string, mounts []*instructions.Mount) error {
	stateDir, err := os.MkdirTemp(st.b.runDir, "run-")
	if err != nil {
		return fmt.Errorf("create run state: %w", err)
	}
	defer os.RemoveAll(stateDir)
	args, heredocs, err := st.runArgs(c, stateDir)
	if err != nil {
		return err
	}
	p, err := st.process(root, args)
	if err != nil {
		return err
	}
	rm, err := st.attachMounts(ctx, mounts)
	if err != nil {
		return err
	}
	defer rm.done()
	for _, kv := range rm.env {
		k, v, _ := strings.Cut(kv, "=")
		p.Env = setEnv(p.Env, k, v)
	}
	out := st.output()
	defer out.Close()
	p.Stdout, p.Stderr = out, out
	p.Network, p.Mounts, p.StateDir = network, slices.Concat(heredocs, st.b.opts.Volumes, rm.mounts), stateDir
	st.b.opts.RunLimits.apply(&p)
	p.DNS = st.b.opts.DNS
	status, err := sandbox.Run(ctx, p)
	if err != nil {
		return err
	}
	if status != 0 {
		return &exitError{status: status}
	}
	return nil
}

// process builds the sandbox request shared by RUN and `stagebox run`:
// USER resolved in the rootfs, env with PATH and HOME filled in as Docker
// does, WORKDIR as the working directory.
func (st *stageState) process(root string, args []string) (sandbox.Process, error) {
	cfg := st.cfg.Config
	return Process(root, cfg.User, cfg.WorkingDir, st.args.runEnv(cfg.Env), args, nil)
}

// Process resolves user and environment for running args in root. It is
// exported for `stagebox run`, which runs an image's command the same way.
func Process(root, user, workdir string, env, args []string, out io.Writer) (sandbox.Process, error) {
	if user == "" {
		user = "0"
	}
	u, err := unpack.ResolveUser(root, user)
	if err != nil {
		return sandbox.Process{}, fmt.Errorf("USER %s: %w", user, err)
	}
	env = append([]string(nil), env...)
	if _, ok := lookupEnv(env, "PATH"); !ok {
		env = append(env, "PATH="+defaultPath)
	}
	if _, ok := lookupEnv(env, "HOME"); !ok {
		home := u.Home
		if home == "" {
			home = "/"
		}
		env = append(env, "HOME="+home)
	}
	if workdir == "" {
		workdir = "/"
	}
	groups := make([]uint32, 0, len(u.Groups))
	for _, g := range u.Groups {
		groups = append(groups, uint32(g))
	}
	return sandbox.Process{Rootfs: root, Args: args, Env: env, Cwd: workdir, UID: uint32(u.UID), GID: uint32(u.GID),
		AdditionalGids: groups, Stdout: out, Stderr: out}, nil
}

// runArgs is RUN's argv, with heredocs handled as BuildKit does: a single
// heredoc with a shebang runs as a script file (mounted read-only under
// /dev/pipes so it never lands in the layer), a plain one is passed to the
// shell as the command, several are reassembled for the shell.
func (st *stageState) runArgs(c *instructions.RunCommand, stateDir string) ([]string, []sandbox.Mount, error) {
	line := c.ShellDependantCmdLine
	if len(c.Files) == 0 {
		if len(line.CmdLine) == 0 {
			return nil, nil, fmt.Errorf("RUN needs a command")
		}
		return st.shellArgs(line), nil, nil
	}
	if len(line.CmdLine) != 1 || !line.PrependShell {
		return nil, nil, fmt.Errorf("heredoc in exec form is not supported: use the shell form")
	}
	if h := parser.MustParseHeredoc(line.CmdLine[0]); h != nil {
		data := c.Files[0].Data
		if c.Files[0].Chomp {
			data = parser.ChompHeredocContent(data)
		}
		if !strings.HasPrefix(data, "#!") {
			line.CmdLine = []string{data}
			return st.shellArgs(line), nil, nil
		}
		name := path.Base(c.Files[0].Name)
		host := filepath.Join(stateDir, "heredoc-"+name)
		if err := os.WriteFile(host, []byte(data), 0o755); err != nil {
			return nil, nil, fmt.Errorf("write heredoc: %w", err)
		}
		dest := "/dev/pipes/" + name
		return []string{dest}, []sandbox.Mount{{Source: host, Destination: dest, ReadOnly: true}}, nil
	}
	var b strings.Builder
	b.WriteString(line.CmdLine[0])
	for _, f := range c.Files {
		b.WriteString("\n" + f.Data + f.Name)
	}
	line.CmdLine = []string{b.String()}
	return st.shellArgs(line), nil, nil
}

// workdir sets WORKDIR (relative paths join the current one) and creates
// the directory in a new layer when the rootfs lacks it, as BuildKit does.
func (st *stageState) workdir(c *instructions.WorkdirCommand) error {
	dir := c.Path
	if !path.IsAbs(dir) {
		cur := st.cfg.Config.WorkingDir
		if cur == "" {
			cur = "/"
		}
		dir = path.Join(cur, dir)
	}
	st.cfg.Config.WorkingDir = path.Clean(dir)
	return st.fsStep(c, []string{"WORKDIR", st.cfg.Config.WorkingDir}, func(root string) (bool, error) {
		return unpack.MkdirAllIn(root, st.cfg.Config.WorkingDir)
	})
}

// diskFull reports whether the filesystem holding dir has (next to) no
// space or inodes left for an unprivileged writer.
func diskFull(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Bavail*uint64(st.Bsize) < 1<<20 || (st.Files > 0 && st.Ffree == 0)
}
