package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/docker/go-units"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/docker/reference"
)

func pullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "copy an image into local storage; prints its ID",
		ArgsUsage: "IMAGE (busybox, quay.io/x/y:1, docker://..., oci:DIR:TAG, docker-archive:FILE, ...)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "policy", Value: "missing", Usage: "missing, always or never"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
		}, registryFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("pull takes one image: stagebox pull IMAGE")
			}
			policy, err := unpack.ParsePullPolicy(c.String("policy"))
			if err != nil {
				return fmt.Errorf("--policy: %w", err)
			}
			reg, err := registryOptions(c)
			if err != nil {
				return err
			}
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			if err := askPassword(&reg); err != nil {
				return err
			}
			p := &unpack.Puller{Store: st.Storage(), Registry: reg, PolicyFlag: "--policy"}
			if !c.Bool("quiet") {
				p.Log = c.App.ErrWriter
			}
			id, err := p.Pull(c.Context, c.Args().First(), policy)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, id)
			return nil
		},
	}
}

func pushCommand() *cli.Command {
	return &cli.Command{
		Name:      "push",
		Usage:     "copy an image from local storage to a registry or a file",
		ArgsUsage: "IMAGE [DESTINATION (docker://..., oci:DIR:TAG, oci-archive:FILE, docker-archive:FILE[:REF], dir:DIR)]",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "compression", Aliases: []string{"compression-format"},
				Usage: "layer compression where the destination compresses: " + strings.Join(layers.Compressions, " or ") + " (default gzip)"},
		}, append(pushFlags(), pushFormatFlags()...)...),
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return errors.New("push takes an image and a destination: stagebox push IMAGE [DESTINATION]")
			}
			dest := c.Args().Get(1)
			if dest == "" {
				dest = c.Args().First()
			}
			if algo := c.String("compression"); algo != "" && !slices.Contains(layers.Compressions, algo) {
				return fmt.Errorf("--compression %q: use %s", algo, strings.Join(layers.Compressions, " or "))
			}
			reg, err := registryOptions(c)
			if err != nil {
				return err
			}
			format, err := pushFormat(c)
			if err != nil {
				return err
			}
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			d, err := pushDigest(c, st, reg, c.Args().First(), dest, layers.WithCompression(c.String("compression")), format)
			if err == nil {
				fmt.Fprintln(c.App.Writer, d)
			}
			return err
		},
	}
}

func tagCommand() *cli.Command {
	return &cli.Command{
		Name:      "tag",
		Usage:     "add names to an image",
		ArgsUsage: "IMAGE NAME...",
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return errors.New("tag takes an image and at least one name: stagebox tag IMAGE NAME...")
			}
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			return st.Tag(c.Args().First(), c.Args().Tail()...)
		},
	}
}

func rmiCommand() *cli.Command {
	return &cli.Command{
		Name:      "rmi",
		Usage:     "remove images (or, for an image with several names, one name)",
		ArgsUsage: "IMAGE...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "delete an image even if it has several names"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every image"},
		},
		Action: rmi,
	}
}

func rmi(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 && !c.Bool("all") {
		return errors.New("rmi takes at least one image: stagebox rmi IMAGE... (or -a for all)")
	}
	st, err := openStore(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	force := c.Bool("force")
	if c.Bool("all") {
		imgs, err := st.Images()
		if err != nil {
			return err
		}
		for _, img := range imgs {
			args = append(args, img.ID)
		}
		force = true
	}
	var failed []string
	for _, a := range args {
		id, err := st.Remove(a, force)
		switch {
		case err != nil:
			fmt.Fprintf(c.App.ErrWriter, "Error: %s\n", oneLine(err))
			failed = append(failed, a)
		case id == "":
			fmt.Fprintf(c.App.Writer, "untagged: %s\n", a)
		default:
			fmt.Fprintln(c.App.Writer, id)
		}
	}
	if len(failed) > 0 {
		return exitStatus(1)
	}
	return nil
}

func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:      "images",
		Usage:     "list images in local storage",
		ArgsUsage: "[IMAGE]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print image IDs only"},
			&cli.BoolFlag{Name: "noheading", Aliases: []string{"n"}, Usage: "omit the table heading"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "print full image IDs"},
			&cli.StringFlag{Name: "format", Usage: "json for a JSON array"},
		},
		Action: func(c *cli.Context) error {
			if f := c.String("format"); f != "" && f != "json" {
				return fmt.Errorf("--format %q: only json is supported", f)
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
			switch {
			case c.String("format") == "json":
				return writeJSON(c.App.Writer, imageSummaries(imgs))
			case c.Bool("quiet"):
				for _, img := range imgs {
					fmt.Fprintln(c.App.Writer, displayID(img.ID, c.Bool("no-trunc")))
				}
				return nil
			}
			return writeImageTable(c.App.Writer, imgs, time.Now(), !c.Bool("noheading"), c.Bool("no-trunc"))
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

// writeImageTable prints buildah's table: a row per name, "<none>" for an
// image without one.
func writeImageTable(w io.Writer, imgs []layers.Image, now time.Time, heading, noTrunc bool) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	if heading {
		fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
	}
	for _, img := range imgs {
		names := img.Names
		if len(names) == 0 {
			names = []string{""}
		}
		for _, n := range names {
			repo, tag := splitName(n)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", repo, tag, displayID(img.ID, noTrunc), created(img.Created, now), size(img.Size))
		}
	}
	return tw.Flush()
}

// splitName splits a stored name into repository and tag columns.
func splitName(name string) (repo, tag string) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "<none>", "<none>"
	}
	repo, tag = named.Name(), "<none>"
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	return repo, tag
}

func displayID(id string, noTrunc bool) string {
	if noTrunc || len(id) <= 12 {
		return id
	}
	return id[:12]
}

func created(t, now time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return units.HumanDuration(now.Sub(t)) + " ago"
}

func size(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return units.HumanSizeWithPrecision(float64(n), 3)
}

// imageSummary is one image in `images --format json`.
type imageSummary struct {
	ID      string    `json:"id"`
	Names   []string  `json:"names"`
	Digest  string    `json:"digest"`
	Created time.Time `json:"created"`
	Size    int64     `json:"size"`
}

func imageSummaries(imgs []layers.Image) []imageSummary {
	out := make([]imageSummary, 0, len(imgs))
	for _, img := range imgs {
		out = append(out, imageSummary{ID: img.ID, Names: img.Names, Digest: img.Digest.String(), Created: img.Created, Size: img.Size})
	}
	return out
}

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print an image's ID, names, digest, config and manifest as JSON",
		ArgsUsage: "IMAGE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template over the JSON fields, e.g. {{.Config.Config.Env}}"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("inspect takes one image: stagebox inspect IMAGE")
			}
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			out, err := inspectImage(st, c.Args().First())
			if err != nil {
				return err
			}
			if f := c.String("format"); f != "" {
				return writeTemplate(c.App.Writer, f, out)
			}
			return writeJSON(c.App.Writer, out)
		},
	}
}

// inspection is what `inspect` prints.
type inspection struct {
	ID       string `json:"Id"`
	Names    []string
	Digest   string
	Created  time.Time
	Size     int64
	Config   layers.ImageSpec
	Manifest json.RawMessage
}

func inspectImage(st *layers.Store, name string) (*inspection, error) {
	img, err := st.Image(name)
	if err != nil {
		return nil, err
	}
	m, err := st.Manifest(img.ID)
	if err != nil {
		return nil, err
	}
	return &inspection{ID: img.ID, Names: img.Names, Digest: img.Digest.String(), Created: img.Created, Size: img.Size, Config: img.Config, Manifest: m}, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	return enc.Encode(v)
}

func writeTemplate(w io.Writer, format string, v any) error {
	tmpl, err := template.New("format").Funcs(template.FuncMap{
		"json": func(v any) (string, error) { b, err := json.Marshal(v); return string(b), err },
	}).Parse(format)
	if err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if err := tmpl.Execute(w, v); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if !strings.HasSuffix(format, "\n") {
		fmt.Fprintln(w)
	}
	return nil
}
