package main

import (
	"fmt"

	"github.com/stagebox/stagebox/layers"
	"github.com/urfave/cli/v2"
)

func pruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "remove build-cache layers that no image uses (and, asked, dangling images and cache mounts)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "images", Usage: "also remove dangling images (no name) that nothing uses"},
			&cli.BoolFlag{Name: "cache-mounts", Usage: "also remove RUN --mount=type=cache directories no build is using"},
			&cli.BoolFlag{Name: "all", Usage: "remove everything prune can: dangling images, cache layers and cache mount directories"},
		},
		Action: func(c *cli.Context) error {
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			all := c.Bool("all")
			// Images first: the cache layers only they used go next.
			if c.Bool("images") || all {
				if err := pruneImages(c, st); err != nil {
					return err
				}
			}
			if err := pruneCacheLayers(c, st); err != nil {
				return err
			}
			if c.Bool("cache-mounts") || all {
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

// imageCommand groups podman's `image SUBCOMMAND` spellings that scripts
// use: `image prune`.
func imageCommand() *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "image commands as podman spells them: image prune",
		Subcommands: []*cli.Command{{
			Name:  "prune",
			Usage: "remove dangling images (no name) that nothing uses, then the cache layers no image uses",
			Action: func(c *cli.Context) error {
				st, err := openStore(c)
				if err != nil {
					return err
				}
				defer st.Shutdown()
				if err := pruneImages(c, st); err != nil {
					return err
				}
				return pruneCacheLayers(c, st)
			},
		}},
	}
}

// pruneImages removes the dangling images nothing uses, printing each ID
// as podman does.
func pruneImages(c *cli.Context, st *layers.Store) error {
	ids, err := st.PruneImages()
	for _, id := range ids {
		fmt.Fprintln(c.App.Writer, id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "removed %d dangling images\n", len(ids))
	return nil
}

// pruneCacheLayers removes the cache layers no image uses and says how many.
func pruneCacheLayers(c *cli.Context, st *layers.Store) error {
	n, err := st.PruneCache()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "removed %d cache layers\n", n)
	return nil
}
