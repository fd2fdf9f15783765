// Command stagebox builds Dockerfiles without a daemon, rootless by default.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/urfave/cli/v2"
	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

func init() {
	// Must run before anything else: when libcontainer re-executes this
	// binary as a container's init, main must never start.
	sandbox.InitIfRequested()
}

func main() {
	if reexec.Init() {
		return
	}
	os.Exit(run(os.Args))
}

// run executes the CLI and maps the outcome to an exit status: 130/143 for
// SIGINT/SIGTERM (the shell convention), 1 for any other failure.
func run(args []string) int {
	ctx, sig := signalContext()
	app := newApp()
	args, err := reorderArgs(app, args)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if s := sig(); s != 0 {
		fmt.Fprintln(os.Stderr, interruptedLine(s, err))
		return 128 + int(s)
	}
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", oneLine(err))
		var ec cli.ExitCoder
		if errors.As(err, &ec) && ec.ExitCode() != 0 {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}

// signalContext cancels on SIGINT/SIGTERM; the returned func tells which
// signal arrived (0 if none) so the exit status can say so.
func signalContext() (context.Context, func() syscall.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	var got syscall.Signal
	done := make(chan struct{})
	go func() {
		s := <-ch
		got = s.(syscall.Signal)
		close(done)
		cancel()
	}()
	return ctx, func() syscall.Signal {
		select {
		case <-done:
			return got
		default:
			return 0
		}
	}
}

// interruptedLine says which signal stopped the command and, when it
// failed because of it, that nothing was committed (a build, pull or push
// writes nothing half-way).
func interruptedLine(s syscall.Signal, err error) string {
	if err == nil {
		return fmt.Sprintf("interrupted (%s) as the command finished", unix.SignalName(s))
	}
	return fmt.Sprintf("interrupted (%s): nothing was committed", unix.SignalName(s))
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

func newApp() *cli.App {
	app := &cli.App{
		Name:                   "stagebox",
		Usage:                  "build container images from Dockerfiles, rootless and without a daemon",
		Version:                version,
		HideHelpCommand:        true,
		UseShortOptionHandling: true,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "root", Usage: "storage root directory (default: containers-storage's)"},
			&cli.StringFlag{Name: "runroot", Usage: "storage run-state directory"},
			&cli.StringFlag{Name: "storage-driver", Usage: "storage driver (overlay, vfs)"},
			&cli.StringSliceFlag{Name: "storage-opt", Usage: "storage driver option (repeatable)"},
			&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "debug, info, warn or error"},
		}, isolationFlags()...),
		Before: func(c *cli.Context) error {
			lvl, err := logrus.ParseLevel(c.String("log-level"))
			if err != nil {
				return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.String("log-level"))
			}
			logrus.SetLevel(lvl)
			logrus.SetOutput(os.Stderr)
			usePlainLogs()
			return nil
		},
		Commands: []*cli.Command{
			budCommand(), pullCommand(), pushCommand(), tagCommand(), rmiCommand(), imagesCommand(), manifestCommand(),
			inspectCommand(), runCommand(), infoCommand(), pruneCommand(), versionCommand(),
			loginCommand(), logoutCommand(), imageCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
	}
	for _, c := range app.Commands {
		c.OnUsageError = usageError
	}
	memoNames(app)
	return app
}

// usageError makes urfave/cli's parse errors one line naming the flag with
// both dashes, without the help that would bury it.
func usageError(_ *cli.Context, err error, _ bool) error {
	msg := err.Error()
	if i := strings.Index(msg, "for flag -"); i >= 0 && !strings.HasPrefix(msg[i+len("for flag -"):], "-") {
		msg = msg[:i] + "for flag --" + msg[i+len("for flag -"):]
	}
	return errors.New(msg)
}

// openStore enters the user namespace (rootless) and opens the store with
// the global flags applied.
func openStore(c *cli.Context) (*layers.Store, error) {
	if _, err := chooseIsolation(c); err != nil {
		return nil, err
	}
	if err := sandbox.EnterUserNamespace(); err != nil {
		return nil, err
	}
	return layers.Open(layers.Options{
		Root:          c.String("root"),
		RunRoot:       c.String("runroot"),
		Driver:        isolationDriver(c),
		DriverOptions: c.StringSlice("storage-opt"),
	})
}

// openStoreToBuild is openStore for commands that run RUN steps: it then
// moves the process onto a sealed copy of its own binary when libcontainer
// would otherwise copy the binary for every RUN (sandbox.SealSelfExe; then
// the process starts over, having only opened the store).
func openStoreToBuild(c *cli.Context) (*layers.Store, error) {
	st, err := openStore(c)
	if err != nil {
		return nil, err
	}
	sealAndAnnounce(c, st)
	return st, nil
}

// sealAndAnnounce is the rest of openStoreToBuild, for bud once it knows
// that a step must run (budCached).
func sealAndAnnounce(c *cli.Context, st *layers.Store) {
	sandbox.SealSelfExe(filepath.Join(st.Storage().RunRoot(), "stagebox"))
	announceIsolation(c, st)
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "stagebox version %s\n", version)
			return nil
		},
	}
}
