package main

import (
	"fmt"
	"os"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/stages"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command in a throwaway container of an image",
		ArgsUsage: "IMAGE [COMMAND [ARG...]]",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "network", Value: "host", Usage: "host or none"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "user[:group] to run as (default: the image's USER)"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "KEY=VALUE to add to the environment (repeatable)"},
			&cli.StringFlag{Name: "pull", Value: "missing", Usage: "pull policy: missing, always or never"},
		}, append(append(runHabitFlags(), runPlatformFlags()...), registryFlags()...)...),
		// Everything after IMAGE belongs to the command, flags included.
		SkipFlagParsing: false,
		Action:          runImage,
	}
}

// runImage runs ENTRYPOINT + (the given command or CMD) in a new layer on
// top of the image, with the same sandbox as RUN; the layer is deleted after,
// so the image is never changed. The command's exit status becomes ours.
func runImage(c *cli.Context) error {
	if c.NArg() < 1 {
		return fmt.Errorf("run needs an IMAGE: stagebox run IMAGE [COMMAND...]")
	}
	switch c.String("network") {
	case "host", "none":
	default:
		return fmt.Errorf("--network %q: use host or none", c.String("network"))
	}
	policy, err := unpack.ParsePullPolicy(c.String("pull"))
	if err != nil {
		return fmt.Errorf("--pull: %w", err)
	}
	reg, err := registryOptions(c)
	if err != nil {
		return err
	}
	st, err := openStoreToBuild(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	if err := askPassword(&reg); err != nil {
		return err
	}
	platform, err := runPlatform(c)
	if err != nil {
		return err
	}
	id, err := (&unpack.Puller{Store: st.Storage(), Registry: reg, Log: c.App.ErrWriter, Platform: platform}).Pull(c.Context, c.Args().First(), policy)
	if err != nil {
		return err
	}
	img, err := st.Image(id)
	if err != nil {
		return err
	}
	status, err := runInImage(c, st, img)
	if err != nil {
		return err
	}
	if status != 0 {
		return exitStatus(status)
	}
	return nil
}

func runInImage(c *cli.Context, st *layers.Store, img *layers.Image) (int, error) {
	h, err := parseRunHabits(c)
	if err != nil {
		return 0, err
	}
	cfg := img.Config.Config
	args := commandLine(cfg.Entrypoint, cfg.Cmd, h, c.Args().Slice()[1:])
	if len(args) == 0 {
		return 0, fmt.Errorf("image %s has no ENTRYPOINT or CMD: give a command after the image name", c.Args().First())
	}
	layer, err := st.NewLayer(img.TopLayer)
	if err != nil {
		return 0, err
	}
	defer st.DeleteLayer(layer)
	root, err := st.Mount(layer)
	if err != nil {
		return 0, err
	}
	defer st.Unmount(layer)
	user, workdir := cfg.User, cfg.WorkingDir
	if u := c.String("user"); u != "" {
		user = u
	}
	if h.workdir != "" {
		workdir = h.workdir
	}
	p, err := stages.Process(root, user, workdir, append(cfg.Env, h.env...), args, os.Stdout)
	if err != nil {
		return 0, err
	}
	p.Stderr, p.Stdin, p.Network = os.Stderr, os.Stdin, c.String("network")
	p.Terminal, p.Hostname, p.Mounts = c.Bool("tty"), h.name, h.mounts
	if p.StateDir, err = os.MkdirTemp(st.Storage().RunRoot(), "stagebox-run-"); err != nil {
		return 0, fmt.Errorf("create run state: %w", err)
	}
	defer os.RemoveAll(p.StateDir)
	return sandbox.Run(c.Context, p)
}

// commandLine is docker's rule: ENTRYPOINT (or --entrypoint) followed by
// the given command, else by the image's CMD unless --entrypoint was given.
func commandLine(entrypoint, cmd []string, h runHabits, given []string) []string {
	args := append([]string(nil), entrypoint...)
	if h.setEntry {
		args = append([]string(nil), h.entrypoint...)
		cmd = nil
	}
	if len(given) > 0 {
		return append(args, given...)
	}
	return append(args, cmd...)
}

// exitStatus carries a container's non-zero exit status to ours without an
// error message: the command already said what went wrong.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
func (e exitStatus) ExitCode() int { return int(e) }
