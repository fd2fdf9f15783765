package main

import (
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

// runPlatformFlags pick a manifest list's entry for run (issue 10, item 4).
func runPlatformFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "platform", Usage: "OS/ARCH[/VARIANT] entry of a manifest list to run (default: the host's); another architecture runs through binfmt_misc emulation"},
	}
}

// runPlatform is run's --platform, checked: nil for the host's; another
// architecture needs an emulator registered before anything is pulled.
func runPlatform(c *cli.Context) (*ocispec.Platform, error) {
	p, err := platformOption(c)
	if err != nil || p == nil || unpack.IsHost(*p) {
		return p, err
	}
	if err := sandbox.CheckEmulation(p.Architecture); err != nil {
		return nil, fmt.Errorf("run --platform %s: %w", unpack.PlatformString(*p), err)
	}
	return p, nil
}
