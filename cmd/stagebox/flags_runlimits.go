package main

import (
	"fmt"
	"strings"

	units "github.com/docker/go-units"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// runLimitFlags fills what every RUN gets from bud's flags.
func runLimitFlags(c *cli.Context, o *stages.Options) error {
	o.RunLimits.NoHosts = c.Bool("no-hosts")
	for _, h := range c.StringSlice("add-host") {
		name, ip, ok := strings.Cut(h, ":")
		if !ok || name == "" || ip == "" {
			return fmt.Errorf("--add-host %q: want HOST:IP", h)
		}
		o.RunLimits.AddHosts = append(o.RunLimits.AddHosts, h)
	}
	for _, u := range c.StringSlice("ulimit") {
		l, err := units.ParseUlimit(u)
		if err != nil {
			return fmt.Errorf("--ulimit %q: %w", u, err)
		}
		r, err := l.GetRlimit()
		if err != nil {
			return fmt.Errorf("--ulimit %q: %w", u, err)
		}
		o.RunLimits.Ulimits = append(o.RunLimits.Ulimits, sandbox.Rlimit{Resource: r.Type, Soft: r.Soft, Hard: r.Hard})
	}
	if m := c.String("memory"); m != "" {
		n, err := units.RAMInBytes(m)
		if err != nil || n <= 0 {
			return fmt.Errorf("--memory %q: want a size such as 512m or 2g", m)
		}
		o.RunLimits.Limits.Memory = n
	}
	o.RunLimits.Limits.CPUShares = c.Uint64("cpu-shares")
	if o.RunLimits.NoHosts && len(o.RunLimits.AddHosts) > 0 {
		return fmt.Errorf("--no-hosts and --add-host conflict: a RUN with the image's own /etc/hosts gets no added lines")
	}
	return nil
}
