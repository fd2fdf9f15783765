package main

import (
	"fmt"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

// pushListFlags are push's and manifest push's flag for manifest lists
// (issue 10, item 4).
func pushListFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "all", Value: true, Usage: "for a manifest list: push every image and the index (--all=false pushes the host platform's image alone)"},
	}
}

// pushSource is what push copies for name: name itself, or with --all=false
// and a manifest list, the list's image for the host platform. manifest
// push (push's action under the manifest command) refuses an image that is
// not a list.
func pushSource(c *cli.Context, st *layers.Store, name string) (string, error) {
	lineage := c.Lineage()
	listOnly := len(lineage) > 1 && lineage[1].Command != nil && lineage[1].Command.Name == "manifest"
	img, err := st.Image(name)
	if err != nil {
		return "", err
	}
	isList := st.IsList(img.ID)
	switch {
	case listOnly && !isList:
		return "", fmt.Errorf("%s is an image, not a manifest list: use stagebox push", name)
	case c.Bool("all") || !isList:
		return name, nil
	}
	id, err := st.ListEntryFor(img.ID, unpack.HostPlatform())
	if err != nil {
		return "", fmt.Errorf("push --all=false: %w", err)
	}
	return id, nil
}
