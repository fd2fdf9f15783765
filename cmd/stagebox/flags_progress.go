package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// progressModes are bud --progress's values, BuildKit's names.
var progressModes = []string{"auto", "plain", "tty", "quiet", "rawjson"}

func progressFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "progress", Value: "auto",
			Usage: "build output on stderr: auto (tty on a terminal, else plain), plain, tty, quiet or rawjson"},
	}
}

// progressOptions chooses the renderer of the build's events, written to
// o.Out: stderr whatever the mode, so stdout carries the image ID alone.
func progressOptions(c *cli.Context, o *stages.Options) error {
	mode := c.String("progress")
	if o.Quiet && c.IsSet("progress") && mode != "quiet" && mode != "auto" {
		return fmt.Errorf("-q and --progress %s contradict each other: pass one of them", mode)
	}
	// o.Out is where the build's output goes (stderr, or a log file).
	stderr, isFile := o.Out.(*os.File)
	terminal := isFile && term.IsTerminal(int(stderr.Fd()))
	switch mode {
	case "auto":
		if terminal && !o.Quiet {
			o.Progress = stages.NewTTYProgress(stderr, terminalWidth(stderr))
		}
	case "plain":
	case "tty":
		if !terminal {
			return fmt.Errorf("--progress tty: stderr is not a terminal; use --progress plain (or auto)")
		}
		o.Progress = stages.NewTTYProgress(stderr, terminalWidth(stderr))
	case "quiet":
		o.Quiet = true
	case "rawjson":
		o.Progress = stages.NewJSONProgress(o.Out)
	default:
		return fmt.Errorf("--progress %q: use %s", mode, strings.Join(progressModes, ", "))
	}
	return nil
}

// terminalWidth asks f's width at every call: a resized window is followed.
func terminalWidth(f *os.File) func() int {
	return func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 80
		}
		return w
	}
}
