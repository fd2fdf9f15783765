package main

import (
	"encoding/json"
	"errors"
	"time"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/layers"
	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print an image's ID, names, digest, config and manifest as JSON (podman's and docker's field names)",
		ArgsUsage: "IMAGE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template over the printed JSON's fields, e.g. {{.Id}}, {{.Config.Env}}, {{json .Config}}"},
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

// inspection is what `inspect` prints, with the field names podman's and
// docker's image inspect use, so their templates work unchanged; --format
// templates run over this same object.
type inspection struct {
	Id string //nolint:revive // docker's and podman's name, which templates write

	Digest       string
	RepoTags     []string
	RepoDigests  []string
	Names        []string
	Created      time.Time
	Author       string
	Architecture string
	Os           string
	Variant      string `json:",omitempty"`
	Size         int64
	Config       layers.Config
	RootFS       ocispec.RootFS
	History      []ocispec.History
	ManifestType string
	Manifest     json.RawMessage
}

// ID is Id as podman's templates also spell it ({{.ID}}).
func (i *inspection) ID() string { return i.Id }

func inspectImage(st *layers.Store, name string) (*inspection, error) {
	img, err := st.Image(name)
	if err != nil {
		return nil, err
	}
	m, err := st.Manifest(img.ID)
	if err != nil {
		return nil, err
	}
	cfg := img.Config
	return &inspection{
		Id: img.ID, Digest: img.Digest.String(),
		RepoTags: nonNil(img.Names), RepoDigests: repoDigests(img.Names, img.Digest), Names: nonNil(img.Names),
		Created: img.Created, Author: cfg.Author, Architecture: cfg.Architecture, Os: cfg.OS, Variant: cfg.Variant,
		Size: img.Size, Config: cfg.Config, RootFS: cfg.RootFS, History: nonNil(cfg.History),
		ManifestType: manifest.GuessMIMEType(m), Manifest: m,
	}, nil
}

// repoDigests names the image by digest in each repository it has a name in.
func repoDigests(names []string, d digest.Digest) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, n := range names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil || d == "" {
			continue
		}
		rd := named.Name() + "@" + d.String()
		if !seen[rd] {
			seen[rd] = true
			out = append(out, rd)
		}
	}
	return out
}

// nonNil makes an empty list print as [] in JSON, as podman prints it.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
