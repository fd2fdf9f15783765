package main

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/stagebox/stagebox/layers"
	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/docker/reference"
)

func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:      "images",
		Usage:     "list images in local storage",
		ArgsUsage: "[IMAGE]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "also list intermediate images (unnamed images other images stand on)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print image IDs only"},
			&cli.BoolFlag{Name: "noheading", Aliases: []string{"n"}, Usage: "omit the table heading"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "print full image IDs"},
			&cli.BoolFlag{Name: "digests", Usage: "add a DIGEST column (the manifest digest)"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "reference=PATTERN (wildcards as docker's; several: any may match) or dangling=true|false"},
			&cli.StringFlag{Name: "format", Usage: "json, table, a Go template over {{.ID}} {{.Repository}} {{.Tag}} {{.Digest}} {{.CreatedSince}} {{.CreatedAt}} {{.Size}}, or table TEMPLATE"},
		},
		Action: func(c *cli.Context) error {
			filters, err := parseImageFilters(c.StringSlice("filter"))
			if err != nil {
				return err
			}
			format := imageFormat(c.String("format"), c.Bool("digests"))
			if _, err := parseRowTemplate(format); err != nil {
				return err
			}
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			imgs, err := listImages(st, c.Args().First())
			if err != nil {
				return err
			}
			if !c.Bool("all") && c.Args().Len() == 0 && !filters.dangling.set {
				imgs = withoutIntermediate(st, imgs)
			}
			rows := filters.rows(imgs, time.Now(), c.Bool("no-trunc"))
			switch {
			case c.String("format") == "json":
				return writeJSON(c.App.Writer, imageSummaries(imgs, rows))
			case c.Bool("quiet"):
				return writeIDs(c, rows)
			}
			return writeRows(c.App.Writer, format, rows, !c.Bool("noheading"))
		},
	}
}

// listImages returns all images, or only the one named, newest first.
func listImages(st *layers.Store, name string) ([]layers.Image, error) {
	if name != "" {
		img, err := st.Image(name)
		if err != nil {
			return nil, err
		}
		return []layers.Image{*img}, nil
	}
	imgs, err := st.Images()
	if err != nil {
		return nil, err
	}
	sort.SliceStable(imgs, func(i, j int) bool { return imgs[i].Created.After(imgs[j].Created) })
	return imgs, nil
}

// withoutIntermediate drops the unnamed images other images stand on, as
// podman and docker hide them without -a.
func withoutIntermediate(st *layers.Store, imgs []layers.Image) []layers.Image {
	out := imgs[:0:0]
	for _, img := range imgs {
		if !layers.Dangling(img) || !st.InUse(img.ID) {
			out = append(out, img)
		}
	}
	return out
}

// writeIDs prints each listed image's ID once (-q).
func writeIDs(c *cli.Context, rows []imageRow) error {
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.ID] {
			seen[r.ID] = true
			fmt.Fprintln(c.App.Writer, r.ID)
		}
	}
	return nil
}

// imageFilters are the --filter conditions images knows.
type imageFilters struct {
	references []string
	dangling   struct{ set, want bool }
}

func parseImageFilters(specs []string) (imageFilters, error) {
	var f imageFilters
	for _, s := range specs {
		key, value, ok := strings.Cut(s, "=")
		switch {
		case !ok:
			return f, fmt.Errorf("--filter %q: write KEY=VALUE (reference=PATTERN or dangling=true|false)", s)
		case key == "reference":
			if _, err := path.Match(value, ""); err != nil {
				return f, fmt.Errorf("--filter %q: bad pattern: %w", s, err)
			}
			f.references = append(f.references, value)
		case key == "dangling" && (value == "true" || value == "false"):
			f.dangling.set, f.dangling.want = true, value == "true"
		case key == "dangling":
			return f, fmt.Errorf("--filter %q: dangling takes true or false", s)
		default:
			return f, fmt.Errorf("--filter %q: unknown filter %q; use reference=PATTERN or dangling=true|false", s, key)
		}
	}
	return f, nil
}

// rows is a row per name of every image the filters keep ("<none>" for an
// image without one); a reference filter keeps the names it matches.
func (f imageFilters) rows(imgs []layers.Image, now time.Time, noTrunc bool) []imageRow {
	var out []imageRow
	for _, img := range imgs {
		if f.dangling.set && layers.Dangling(img) != f.dangling.want {
			continue
		}
		names := img.Names
		if len(names) == 0 {
			names = []string{""}
		}
		for _, n := range names {
			if len(f.references) > 0 && !matchesAny(n, f.references) {
				continue
			}
			out = append(out, newImageRow(img, n, now, noTrunc))
		}
	}
	return out
}

// matchesAny reports whether a stored name matches one of the patterns as
// docker's reference filter does: against the full name or the short one
// (no "localhost/" or "docker.io/library/"), with or without the tag.
func matchesAny(name string, patterns []string) bool {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return false
	}
	named = reference.TagNameOnly(named)
	full, short := named.String(), reference.FamiliarString(named)
	repo, shortRepo := named.Name(), reference.FamiliarName(named)
	if s, ok := strings.CutPrefix(full, "localhost/"); ok {
		short, shortRepo = s, strings.TrimPrefix(repo, "localhost/")
	}
	for _, p := range patterns {
		for _, candidate := range []string{full, short, repo, shortRepo} {
			if ok, _ := path.Match(p, candidate); ok {
				return true
			}
		}
	}
	return false
}
