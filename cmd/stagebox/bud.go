package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/stagebox/stagebox/stages"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

func budCommand() *cli.Command {
	return &cli.Command{
		Name:      "bud",
		Aliases:   []string{"build", "build-using-dockerfile"},
		Usage:     "build an image from a Dockerfile",
		ArgsUsage: "[CONTEXT]",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "tag", Aliases: []string{"t"}, Usage: "name the image (repeatable)"},
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "Dockerfile path, or - for stdin"},
			&cli.StringSliceFlag{Name: "build-arg", Usage: "KEY=VALUE, or KEY to take it from the environment (repeatable)"},
			&cli.StringFlag{Name: "target", Usage: "stage to build and commit"},
			&cli.StringFlag{Name: "pull", Value: "missing", Usage: "pull policy: missing, always or never; a bare --pull is always, --pull=false missing"},
			&cli.BoolFlag{Name: "no-cache", Usage: "do not reuse cached steps"},
			&cli.BoolFlag{Name: "layers", Value: true, Usage: "accepted for buildah compatibility; a layer per step is the default"},
			&cli.StringSliceFlag{Name: "label", Usage: "KEY=VALUE label for the image (repeatable)"},
			&cli.StringFlag{Name: "iidfile", Usage: "write the image ID to this file"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image ID"},
			&cli.StringFlag{Name: "network", Value: "host", Usage: "RUN network: host or none"},
			&cli.IntFlag{Name: "jobs", Usage: "stages to run at once", DefaultText: "every stage that is ready"},
			&cli.StringFlag{Name: "ignorefile", Usage: "ignore file to use instead of .dockerignore"},
		}, slices.Concat(mountFlags(), buildContextFlags(), budPushFlags(), regcacheFlags(), reproFlags(), progressFlags(), platformFlags(), manifestFlags(), budCompatFlags())...),
		Action: bud,
	}
}

func bud(c *cli.Context) error {
	opts, err := budOptions(c)
	if err != nil {
		return err
	}
	st, err := openStore(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	if id, ok := budCached(c, st, opts); ok {
		fmt.Fprintln(c.App.Writer, id)
		return nil
	}
	if err := c.Context.Err(); err != nil {
		return err // interrupted: sealing would start the build over
	}
	sealAndAnnounce(c, st)
	// Only now: entering the user namespace and sealing re-execute
	// stagebox, and the process that reads stdin must be the one that builds.
	if opts.Dockerfile == "-" {
		if opts.DockerfileContent, err = io.ReadAll(os.Stdin); err != nil {
			return fmt.Errorf("read Dockerfile from stdin: %w", err)
		}
	}
	id, err := budBuild(c, st, opts)
	if err != nil {
		return err
	}
	if opts.Output != nil && opts.Output.Dest == "-" {
		fmt.Fprintln(c.App.ErrWriter, id) // stdout holds the tar
		return nil
	}
	fmt.Fprintln(c.App.Writer, id)
	return nil
}

// budOptions validates every flag before any work starts, so a typo fails
// in milliseconds rather than after a pull.
func budOptions(c *cli.Context) (stages.Options, error) {
	if c.NArg() > 1 {
		// Name them: a bare --pull followed by a word that is no policy
		// (buildah's rule) leaves that word here.
		return stages.Options{}, fmt.Errorf("bud takes one context directory, got %d: %s", c.NArg(), quoteAll(c.Args().Slice()))
	}
	o := stages.Options{
		ContextDir: c.Args().First(), Dockerfile: c.String("file"), Target: c.String("target"),
		NoCache: c.Bool("no-cache"), Tags: c.StringSlice("tag"), IIDFile: c.String("iidfile"),
		Quiet: c.Bool("quiet"), Jobs: c.Int("jobs"), IgnoreFile: c.String("ignorefile"),
		Out: c.App.ErrWriter, Err: c.App.ErrWriter, // build output on stderr, the ID alone on stdout
	}
	if o.ContextDir == "" {
		o.ContextDir = "."
	}
	if err := validateBudValues(o); err != nil {
		return o, err
	}
	if o.Quiet {
		o.Out = io.Discard
	}
	if err := applyBudCompat(c, &o); err != nil {
		return o, err
	}
	var err error
	if o.Pull, err = unpack.ParsePullPolicy(c.String("pull")); err != nil {
		return o, fmt.Errorf("--pull: %w", err)
	}
	switch o.Network = c.String("network"); o.Network {
	case "host", "none":
	default:
		return o, fmt.Errorf("--network %q: use host or none", o.Network)
	}
	if o.BuildArgs, err = keyValues(c.StringSlice("build-arg"), "--build-arg", true); err != nil {
		return o, err
	}
	if o.Labels, err = keyValues(c.StringSlice("label"), "--label", false); err != nil {
		return o, err
	}
	if err := fillMountOptions(c, &o); err != nil {
		return o, err
	}
	if err := buildContextOptions(c, &o); err != nil {
		return o, err
	}
	if err := budRegistry(c, &o); err != nil {
		return o, err
	}
	if err := regcacheOptions(c, &o); err != nil {
		return o, err
	}
	if err := budPlatform(c, &o); err != nil {
		return o, err
	}
	if err := budManifest(c, &o); err != nil {
		return o, err
	}
	if err := progressOptions(c, &o); err != nil {
		return o, err
	}
	return o, applyReproFlags(c, &o)
}

// keyValues parses KEY=VALUE flags; with fromEnv a bare KEY takes its value
// from the environment (docker's --build-arg rule) and is dropped if unset.
func keyValues(in []string, flag string, fromEnv bool) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range in {
		k, v, ok := strings.Cut(kv, "=")
		if k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("%s %q: want KEY=VALUE", flag, kv)
		}
		if !ok {
			if !fromEnv {
				return nil, fmt.Errorf("%s %q: want KEY=VALUE", flag, kv)
			}
			if v, ok = os.LookupEnv(k); !ok {
				continue
			}
		}
		out[k] = v
	}
	return out, nil
}

// quoteAll quotes each of args, space-separated, for an error line.
func quoteAll(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}
