package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	digest "github.com/opencontainers/go-digest"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/stages"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

// pushFlags are push's flags beside --compression.
func pushFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "digestfile", Usage: "write the digest of the pushed manifest to this file"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
	}, registryFlags()...)
}

// budPushFlags are bud's registry flags: those of registryFlags, for its
// pulls and pushes, and --push.
func budPushFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.BoolFlag{Name: "push", Usage: "push every -t name to its registry after the build; nothing is tagged unless every push succeeds"},
	}, registryFlags()...)
}

// budRegistry fills o's registry options from bud's flags and, with
// --push, checks before any work starts that every tag names a registry.
func budRegistry(c *cli.Context, o *stages.Options) error {
	var err error
	if o.Registry, err = registryOptions(c); err != nil {
		return err
	}
	if !c.Bool("push") {
		return nil
	}
	if len(o.Tags) == 0 {
		return fmt.Errorf("--push needs at least one -t REGISTRY/NAME[:TAG] to push to")
	}
	for _, t := range o.Tags {
		if _, err := unpack.RegistryName(t); err != nil {
			return fmt.Errorf("--push -t %s: %w", t, err)
		}
	}
	return nil
}

// budBuild runs the build and, with --push, pushes the image to every tag
// before naming it: when a push fails nothing is tagged (no name moves to
// the new image) and the image the build added is removed again, its
// build cache kept, so rerunning the build hits the cache for every step.
func budBuild(c *cli.Context, st *layers.Store, o stages.Options) (string, error) {
	if err := askPassword(&o.Registry); err != nil {
		return "", err
	}
	if !c.Bool("push") {
		return stages.Build(c.Context, st, o)
	}
	tags, iidFile := o.Tags, o.IIDFile
	o.Tags, o.IIDFile = nil, ""
	pushed := pushFromCache(c, &o, tags)
	before, err := st.ImageIDs()
	if err != nil {
		return "", err
	}
	id, err := stages.Build(c.Context, st, o)
	if err != nil {
		return "", err
	}
	for _, t := range tags {
		if *pushed {
			break // straight from the registry cache; nothing stored to tag
		}
		if err := pushImage(c, st, o.Registry, id, t); err != nil {
			return "", pushRefused(st, id, before, err)
		}
	}
	if err := tagUnlessPushed(st, id, tags, *pushed); err != nil {
		return "", err
	}
	if iidFile != "" {
		if err := os.WriteFile(iidFile, []byte("sha256:"+id), 0o644); err != nil {
			return "", fmt.Errorf("writing --iidfile: %w", err)
		}
	}
	return id, nil
}

// pushRefused undoes a --push build whose push failed: the image it added
// goes (unless it existed before, a cached rebuild), its cache stays.
func pushRefused(st *layers.Store, id string, before layers.ImageSet, err error) error {
	if derr := st.Discard(id, before); derr != nil {
		return fmt.Errorf("%w; nothing was tagged, but the built image could not be removed (%v): `stagebox rmi %.12s` drops it", err, derr, id)
	}
	return fmt.Errorf("%w; nothing was tagged and the store is unchanged: build again once the registry takes the push (the steps are cached)", err)
}

// pushImage pushes nameOrID to dest as push's and bud's flags say
// (progress unless -q, --digestfile).
func pushImage(c *cli.Context, st *layers.Store, reg unpack.RegistryOptions, nameOrID, dest string, opts ...layers.PushOption) error {
	_, err := pushDigest(c, st, reg, nameOrID, dest, opts...)
	return err
}

// pushDigest is pushImage returning the pushed manifest's digest, which
// push prints alone on stdout (as `docker push` shows it) for scripts.
func pushDigest(c *cli.Context, st *layers.Store, reg unpack.RegistryOptions, nameOrID, dest string, opts ...layers.PushOption) (digest.Digest, error) {
	if err := askPassword(&reg); err != nil {
		return "", err
	}
	var d digest.Digest
	opts = append(opts, layers.WithRegistry(reg), layers.WithManifestDigest(&d))
	if !c.Bool("quiet") {
		opts = append(opts, layers.WithProgress(c.App.ErrWriter))
	}
	if err := st.Push(c.Context, nameOrID, dest, opts...); err != nil {
		return "", err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(c.App.ErrWriter, "Writing manifest %s to %s\n", d, dest)
	}
	if f := c.String("digestfile"); f != "" {
		if err := os.WriteFile(f, []byte(d.String()), 0o644); err != nil {
			return "", fmt.Errorf("writing --digestfile: %w", err)
		}
	}
	return d, nil
}

func pushCommand() *cli.Command {
	return &cli.Command{
		Name:      "push",
		Usage:     "copy an image from local storage to a registry or a file",
		ArgsUsage: "IMAGE [DESTINATION (docker://..., oci:DIR:TAG, oci-archive:FILE, docker-archive:FILE[:REF], dir:DIR)]",
		Flags:     pushCommandFlags(),
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
			st, err := openStoreNoMounts(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			src, err := pushSource(c, st, c.Args().First())
			if err != nil {
				return err
			}
			d, err := pushDigest(c, st, reg, src, dest, layers.WithCompression(c.String("compression")), format)
			if err == nil {
				fmt.Fprintln(c.App.Writer, d)
			}
			return err
		},
	}
}

// pushCommandFlags are push's flags, which manifest push has too.
func pushCommandFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "compression", Aliases: []string{"compression-format"},
			Usage: "layer compression where the destination compresses: " + strings.Join(layers.Compressions, " or ") + " (default gzip)"},
	}, append(append(pushFlags(), pushFormatFlags()...), pushListFlags()...)...)
}
