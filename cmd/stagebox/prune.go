package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func pruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "remove build-cache layers that no image uses",
		Action: func(c *cli.Context) error {
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			n, err := st.PruneCache()
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "removed %d cache layers\n", n)
			return nil
		},
	}
}
