package main

import (
	"errors"

	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// manifestFlags are bud's manifest list flags (issue 10, item 4).
func manifestFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "all-platforms", Usage: "build for every platform all base images offer (each FROM but scratch and $BUILDPLATFORM ones must be a manifest list)"},
		&cli.StringFlag{Name: "manifest", Usage: "add each platform's image to this manifest list in local storage (created if missing; a rebuild replaces its platform's entry)"},
	}
}

// budManifest fills o from manifestFlags, refusing what stores no image.
func budManifest(c *cli.Context, o *stages.Options) error {
	o.Manifest = c.String("manifest")
	if o.AllPlatforms = c.Bool("all-platforms"); o.AllPlatforms && (o.Platform != nil || len(o.Platforms) > 0) {
		return errors.New("--all-platforms takes the platforms from the base images: drop --platform, --arch, --os and --variant")
	}
	if o.Manifest == "" {
		return nil
	}
	switch {
	case o.Output != nil:
		return errors.New("--manifest with --output: the image is not stored, so it cannot join a list; drop one of them")
	case c.Bool("push"):
		return errors.New("--manifest with --push: build into the list, then `stagebox manifest push LIST DEST`")
	}
	return nil
}
