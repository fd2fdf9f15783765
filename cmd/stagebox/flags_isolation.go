package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/urfave/cli/v2"
)

// isolationFlags are the global flags of the isolation tiers (issue 7).
func isolationFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{
			Name: "isolation", EnvVars: []string{"STAGEBOX_ISOLATION"}, Value: "auto",
			Usage: "how RUN is isolated: auto (the strongest the host allows), oci, rootless or proot; oci and rootless never fall back",
		},
	}
}

// chooseIsolation probes the host (before any namespace, store or pull)
// and fixes the tier for this process and its re-executed children.
func chooseIsolation(c *cli.Context) (sandbox.Isolation, error) {
	if _, err := sandbox.ParseIsolation(c.String("isolation")); err != nil {
		return sandbox.Isolation{}, err
	}
	dir, err := layers.GraphRoot(c.String("root"))
	if err != nil {
		return sandbox.Isolation{}, err
	}
	if c.Command.Name != "info" {
		// info probes afresh: it is what a user runs to see the host as it is now.
		if run, err := layers.RunRoot(c.String("runroot")); err == nil {
			sandbox.RememberChoices(filepath.Join(run, "stagebox"))
		}
	}
	return sandbox.ChooseIsolation(c.String("isolation"), dir)
}

// isolationDriver is the storage driver the tier implies: proot cannot
// mount anything, so its store is vfs unless --storage-driver says else.
func isolationDriver(c *cli.Context) string {
	if d := c.String("storage-driver"); d != "" || !sandbox.IsProot() {
		return d
	}
	return "vfs"
}

// announceIsolation prints the one line naming the tier and the storage,
// on stderr (never stdout, also with -q).
func announceIsolation(c *cli.Context, st *layers.Store) {
	var w io.Writer = os.Stderr
	if c.App.ErrWriter != nil {
		w = c.App.ErrWriter
	}
	fmt.Fprintln(w, sandbox.Announce(storageKind(st)))
}

// storageKind names how the store mounts layers.
func storageKind(st *layers.Store) string {
	switch d := st.Storage().GraphDriverName(); {
	case d == "overlay" && st.FuseOverlay():
		return "fuse-overlayfs"
	case d == "overlay":
		return "native overlay"
	default:
		return d
	}
}
