package main

import (
	"fmt"
	"strings"

	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// buildContextFlags are bud's named build context flags.
func buildContextFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "build-context",
			Usage: "NAME=DIR, NAME=docker-image://REF or NAME=oci-layout://DIR[:TAG]: a named context for FROM NAME and COPY --from=NAME (repeatable)"},
	}
}

// buildContextOptions fills o.BuildContexts from --build-context; the
// values are checked by stages before the build starts.
func buildContextOptions(c *cli.Context, o *stages.Options) error {
	for _, kv := range c.StringSlice("build-context") {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" || value == "" || strings.ContainsAny(name, " \t") {
			return fmt.Errorf("--build-context %q: want NAME=DIR, NAME=docker-image://REF or NAME=oci-layout://DIR[:TAG]", kv)
		}
		if o.BuildContexts == nil {
			o.BuildContexts = map[string]string{}
		}
		if _, dup := o.BuildContexts[name]; dup {
			return fmt.Errorf("--build-context %q: %s is given twice", kv, name)
		}
		o.BuildContexts[name] = value
	}
	return nil
}
