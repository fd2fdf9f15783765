package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// budCompatFlags are the bud flags CI scripts carry from buildah and docker
// (issue 9, item 6). Each does what it says or refuses the value with the
// reason; none is parsed and ignored.
func budCompatFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "rm", Value: true, Usage: "accepted: a build never leaves containers behind, whatever its outcome"},
		&cli.BoolFlag{Name: "force-rm", Usage: "accepted: a build never leaves containers behind, whatever its outcome"},
		&cli.StringFlag{Name: "logfile", Usage: "write the build's output (steps, RUN output, warnings) to this file; the image ID still goes to stdout"},
		&cli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "HOSTDIR:DIR[:ro|rw]: bind HOSTDIR at DIR in every RUN (never in a layer) (repeatable)"},
		&cli.StringFlag{Name: "userns", Usage: "host (the default): RUN shares the user namespace stagebox runs in; other values are refused"},
		&cli.StringSliceFlag{Name: "dns", Usage: "IP: a nameserver for every RUN's /etc/resolv.conf instead of the host's (repeatable)"},
		&cli.BoolFlag{Name: "squash", Usage: "commit what the target stage's own steps add as one layer on its base image's layers"},
		&cli.BoolFlag{Name: "squash-all", Usage: "commit the image as one layer, base image included"},
		&cli.StringFlag{Name: "cgroupns", Usage: "host (the default): RUN sees the cgroup tree stagebox sees; private is refused"},
	}
}

// applyBudCompat fills o from budCompatFlags, checking every value first.
func applyBudCompat(c *cli.Context, o *stages.Options) error {
	if err := checkNamespaceFlags(c.String("userns"), c.String("cgroupns")); err != nil {
		return err
	}
	o.Squash, o.SquashAll = c.Bool("squash"), c.Bool("squash-all")
	if (o.Squash || o.SquashAll) && len(c.StringSlice("cache-from")) > 0 {
		return fmt.Errorf("--squash and --squash-all need every layer local; they do not combine with --cache-from, whose hits stay in the registry")
	}
	for _, ip := range c.StringSlice("dns") {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("--dns %q: want a nameserver's IP address (none is not supported: RUN always gets a generated /etc/resolv.conf)", ip)
		}
		o.DNS = append(o.DNS, ip)
	}
	for _, v := range c.StringSlice("volume") {
		m, err := parseVolume(v)
		if err != nil {
			return err
		}
		o.Volumes = append(o.Volumes, m)
	}
	if f := c.String("logfile"); f != "" {
		w, err := os.OpenFile(f, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("--logfile: %w", err)
		}
		// The file lives as long as the process: the build writes to it
		// until the end, and the kernel closes it at exit.
		o.Err = w
		if !o.Quiet {
			o.Out = w
		}
		logrus.SetOutput(w)
	}
	return nil
}

// checkNamespaceFlags accepts the --userns and --cgroupns values that
// describe what stagebox does and refuses the rest with the reason.
func checkNamespaceFlags(userns, cgroupns string) error {
	switch userns {
	case "", "host":
	default:
		return fmt.Errorf("--userns %q: stagebox runs every RUN in the user namespace it runs in (host); a separate one per RUN (%s) is not supported", userns, userns)
	}
	switch cgroupns {
	case "", "host":
	default:
		return fmt.Errorf("--cgroupns %q: RUN has no cgroup namespace of its own here; use host (the default)", cgroupns)
	}
	return nil
}

// parseVolume reads -v HOSTDIR:DIR[:OPTIONS] (bud's, as buildah, and run's,
// as docker), OPTIONS being ro or rw; a relative HOSTDIR is taken from the
// current directory. HOSTDIR must exist now, so a typo fails before any work.
func parseVolume(v string) (sandbox.Mount, error) {
	bad := func(why string) (sandbox.Mount, error) {
		return sandbox.Mount{}, fmt.Errorf("--volume %q: %s (want HOSTDIR:DIR[:ro])", v, why)
	}
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return bad("not HOSTDIR:DIR")
	}
	if !filepath.IsAbs(parts[1]) {
		return bad(fmt.Sprintf("%s is not an absolute path in the container", parts[1]))
	}
	src, err := filepath.Abs(parts[0])
	if err != nil {
		return bad(err.Error())
	}
	if _, err := os.Stat(src); err != nil {
		return bad(fmt.Sprintf("%s does not exist", src))
	}
	m := sandbox.Mount{Source: src, Destination: filepath.Clean(parts[1])}
	if len(parts) == 3 {
		for _, opt := range strings.Split(parts[2], ",") {
			switch opt {
			case "ro":
				m.ReadOnly = true
			case "rw":
			default:
				return bad(fmt.Sprintf("option %q: use ro or rw", opt))
			}
		}
	}
	return m, nil
}
