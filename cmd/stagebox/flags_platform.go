package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/stages"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

// platformFlags are bud's multi-platform flags (issue 10), as buildah
// spells them.
func platformFlags() []cli.Flag {
	return append(pullPlatformFlags(),
		&cli.StringFlag{Name: "os", Usage: "target OS, with the host's architecture unless --arch (e.g. linux)"},
		&cli.StringFlag{Name: "variant", Usage: "target architecture variant (e.g. v7 for linux/arm/v7)"},
	)
}

// pullPlatformFlags choose which entry of a manifest list pull takes.
func pullPlatformFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "platform", Usage: "OS/ARCH[/VARIANT] to build or pull for, e.g. linux/arm64 (RUN runs through binfmt_misc emulation; see `stagebox info`)"},
		&cli.StringFlag{Name: "arch", Usage: "target architecture, with the host's OS unless --os (e.g. arm64)"},
	}
}

// platformList is --platform's values, repeated or comma-separated.
func platformList(c *cli.Context) []string {
	var list []string
	for _, v := range c.StringSlice("platform") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
	}
	return list
}

// platformOption reads --platform, --arch, --os and --variant into the one
// platform they name; nil when none is given. Several platforms are
// refused (pull takes one entry).
func platformOption(c *cli.Context) (*ocispec.Platform, error) {
	list := platformList(c)
	if len(list) > 1 {
		return nil, fmt.Errorf("--platform %s: give one platform", strings.Join(list, ","))
	}
	if len(list) == 0 && c.String("arch") == "" && c.String("os") == "" && c.String("variant") == "" {
		return nil, nil
	}
	p := unpack.HostPlatform()
	if len(list) == 1 {
		var err error
		if p, err = unpack.ParsePlatform(list[0]); err != nil {
			return nil, fmt.Errorf("--platform: %w", err)
		}
	}
	if os := c.String("os"); os != "" {
		p.OS = strings.ToLower(os)
	}
	if arch := c.String("arch"); arch != "" {
		p.Architecture = unpack.NormalizeArch(strings.ToLower(arch))
	}
	if v := c.String("variant"); v != "" {
		p.Variant = v
	}
	if p.OS != "linux" {
		return nil, errors.New("--platform/--os: stagebox builds Linux images only; use linux/ARCH")
	}
	return &p, nil
}

// budPlatform fills o from platformFlags: one platform, or several, each
// OS/ARCH[/VARIANT] in full, for an image index.
func budPlatform(c *cli.Context, o *stages.Options) error {
	list := platformList(c)
	if len(list) <= 1 {
		p, err := platformOption(c)
		o.Platform = p
		return err
	}
	if c.IsSet("arch") || c.IsSet("os") || c.IsSet("variant") {
		return errors.New("--arch, --os and --variant name one platform: with several, give each as --platform OS/ARCH[/VARIANT]")
	}
	for _, s := range list {
		p, err := unpack.ParsePlatform(s)
		if err != nil {
			return fmt.Errorf("--platform: %w", err)
		}
		if p.OS != "linux" {
			return fmt.Errorf("--platform %s: stagebox builds Linux images only; use linux/ARCH", s)
		}
		o.Platforms = append(o.Platforms, p)
	}
	return nil
}

// printEmulation is info's line of the architectures RUN can emulate.
func printEmulation(w io.Writer) {
	archs := sandbox.EmulatedArchs()
	if len(archs) == 0 {
		fmt.Fprintf(w, "emulation:       (none: RUN for other architectures needs qemu-user-static, registered in binfmt_misc with the F flag)\n")
		return
	}
	fmt.Fprintf(w, "emulation:       %s (binfmt_misc handlers with the F flag; bud --platform linux/ARCH)\n", strings.Join(archs, ", "))
}
