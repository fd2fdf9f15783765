package main

import (
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// budCached builds opts as a fully cached build when it is one (issue 11,
// target 1), before the binary is sealed for RUN steps: sealing copies the
// binary and starts the process over, which is most of a cached rebuild's
// time. A process that was already sealed had its chance before.
func budCached(c *cli.Context, st *layers.Store, opts stages.Options) (string, bool) {
	if c.Bool("push") || sandbox.Sealed() {
		return "", false
	}
	return stages.TryCached(c.Context, st, opts, func() { announceIsolation(c, st) })
}
