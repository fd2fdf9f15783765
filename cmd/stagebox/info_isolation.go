package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/urfave/cli/v2"
)

// printIsolation prints the tier, why each stronger one is unavailable,
// and every cause with its fix, one line each.
func printIsolation(w io.Writer, iso sandbox.Isolation, causes []sandbox.Cause) {
	fmt.Fprintf(w, "isolation:       %s\n", strings.TrimPrefix(iso.Line, "isolation: "))
	for _, t := range []string{sandbox.TierOCI, sandbox.TierRootless} {
		if why, ok := iso.Unavailable[t]; ok {
			fmt.Fprintf(w, "unavailable:     %s: %s\n", t, why)
		}
	}
	for _, c := range causes {
		fmt.Fprintf(w, "cause:           %s\n", c)
	}
}

// reportNoIsolation is info when no tier works: it still reports every
// cause it found, then fails with why.
func reportNoIsolation(c *cli.Context, why error) error {
	dir, _ := layers.GraphRoot(c.String("root"))
	causes := sandbox.Diagnose(dir)
	if causes == nil {
		causes = []sandbox.Cause{}
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"isolation": map[string]any{"tier": "", "error": why.Error()}, "causes": causes}); err != nil {
			return err
		}
		return why
	}
	for _, cs := range causes {
		fmt.Fprintf(c.App.Writer, "cause:           %s\n", cs)
	}
	return why
}
