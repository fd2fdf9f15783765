package main

import (
	"fmt"
	"strings"

	"github.com/stagebox/stagebox/layers"
	"github.com/urfave/cli/v2"
)

// pushFormatFlags are push's --format (alias -f, as buildah's), which
// converts the manifest and config on the way out.
func pushFormatFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "convert to this image format: oci or docker (default: the image's own)"},
	}
}

// pushFormat is the PushOption for push --format.
func pushFormat(c *cli.Context) (layers.PushOption, error) {
	f := c.String("format")
	if f == "v2s2" { // buildah's other spelling
		f = "docker"
	}
	if f != "" && !layers.ValidFormat(f) {
		return nil, fmt.Errorf("--format %q: use %s", f, strings.Join(layers.Formats, " or "))
	}
	return layers.WithPushFormat(f), nil
}
