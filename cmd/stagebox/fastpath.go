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

// openStoreNoMounts is openStore for push and pull, which mount nothing
// (issue 8: their fixed cost against skopeo). As real root it stays in the
// host's mount namespace instead of starting the binary again in a private
// one: that namespace only keeps mounts from leaking to the host, and the
// one mount such a command would make is storage's private bind mount of
// its overlay home, which skip_mount_home leaves out. Layers are read and
// written in their directories; nothing is mounted. Root with full
// capabilities in the host's user namespace needs no tier probes either.
// Every other case (rootless, root without CAP_SYS_ADMIN, proot) is openStore.
func openStoreNoMounts(c *cli.Context) (*layers.Store, error) {
	mode, err := sandbox.ParseIsolation(c.String("isolation"))
	if err != nil {
		return nil, err
	}
	if (mode != "auto" && mode != sandbox.TierOCI) || !sandbox.HostRoot() {
		return openStore(c)
	}
	// The oci tier's preconditions hold, and nothing here needs more: no
	// probe, and the driver is the flag's (proot's vfs is out of the question).
	return layers.Open(layers.Options{
		Root:          c.String("root"),
		RunRoot:       c.String("runroot"),
		Driver:        c.String("storage-driver"),
		DriverOptions: append(c.StringSlice("storage-opt"), "overlay.skip_mount_home=true"),
	})
}
