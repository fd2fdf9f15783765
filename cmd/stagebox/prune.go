package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func pruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "remove build-cache layers that no image uses",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "cache-mounts", Usage: "also remove RUN --mount=type=cache directories no build is using"},
			&cli.BoolFlag{Name: "all", Usage: "remove everything prune can: cache layers and cache mount directories"},
		},
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
			if c.Bool("cache-mounts") || c.Bool("all") {
				m, err := st.PruneCacheMounts()
				if err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "removed %d cache mounts\n", m)
			}
			return nil
		},
	}
}
