package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// regcacheFlags are bud's registry cache and output flags (issue 8, items
// 5 and 6), spelled as BuildKit and buildah spell them.
func regcacheFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "cache-to", Usage: "publish the cache entries of the steps this build runs to registry repository `REPO`"},
		&cli.StringSliceFlag{Name: "cache-from", Usage: "look up steps in registry repository `REPO` after a local cache miss (repeatable)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the target to `OUTPUT`: type=local,dest=DIR | type=tar,dest=FILE|- | type=oci,dest=FILE | type=docker,dest=FILE | DIR"},
	}
}

// regcacheOptions fills o from the registry cache and output flags,
// checking each before the build starts.
func regcacheOptions(c *cli.Context, o *stages.Options) error {
	var err error
	if o.CacheTo = c.String("cache-to"); o.CacheTo != "" {
		if _, err := layers.ParseCacheRepo(o.CacheTo); err != nil {
			return fmt.Errorf("--cache-to: %w", err)
		}
	}
	for _, repo := range c.StringSlice("cache-from") {
		if _, err := layers.ParseCacheRepo(repo); err != nil {
			return fmt.Errorf("--cache-from: %w", err)
		}
		o.CacheFrom = append(o.CacheFrom, repo)
	}
	if spec := c.String("output"); spec != "" {
		if c.Bool("push") {
			return fmt.Errorf("--output and --push: use one; to do both, build with -t and --push, then `stagebox push` the image to an archive")
		}
		if o.Output, err = parseOutput(spec); err != nil {
			return err
		}
		if o.Output.Dest == "-" {
			// The tar owns stdout: step lines go to stderr.
			o.Output.Stdout, o.Out = c.App.Writer, c.App.ErrWriter
			if o.Quiet {
				o.Out = o.Err
			}
		}
	}
	return nil
}

// parseOutput reads an --output value: comma-separated key=value pairs
// (type, dest), or a bare directory meaning type=local.
func parseOutput(spec string) (*layers.Output, error) {
	if !strings.Contains(spec, "=") {
		spec = "type=local,dest=" + spec
	}
	out := &layers.Output{}
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "type":
			out.Type = v
		case "dest":
			out.Dest = v
		default:
			return nil, fmt.Errorf("--output %q: unknown key %q: use type=TYPE,dest=PATH", spec, k)
		}
	}
	if !slices.Contains(layers.OutputTypes, out.Type) {
		return nil, fmt.Errorf("--output %q: unknown type %q: use one of %s", spec, out.Type, strings.Join(layers.OutputTypes, ", "))
	}
	if out.Dest == "" {
		return nil, fmt.Errorf("--output %q: no dest: add dest=PATH", spec)
	}
	if out.Dest == "-" && out.Type != "tar" {
		return nil, fmt.Errorf("--output %q: dest=- (stdout) is for type=tar", spec)
	}
	if out.Dest != "-" {
		// bud re-executes itself in a user namespace; an absolute path
		// means the same file whatever the working directory then.
		abs, err := filepath.Abs(out.Dest)
		if err != nil {
			return nil, fmt.Errorf("--output %q: %w", spec, err)
		}
		out.Dest = abs
		if out.Type == "local" {
			if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
				return nil, fmt.Errorf("--output %q: %s is not a directory", spec, abs)
			}
		}
	}
	return out, nil
}

// pushFromCache lets a --push build whose target is still in the registry
// cache push it from there (see stages.Options.PushTo); the result says
// whether it did, in which case nothing is left for the caller to push
// or tag.
func pushFromCache(c *cli.Context, o *stages.Options, tags []string) *bool {
	pushed := false
	if len(o.CacheFrom) == 0 {
		return &pushed
	}
	o.PushTo, o.Pushed = tags, &pushed
	o.PushOptions = []layers.PushOption{layers.WithRegistry(o.Registry)}
	if !c.Bool("quiet") {
		o.PushOptions = append(o.PushOptions, layers.WithProgress(c.App.ErrWriter))
	}
	return &pushed
}

// tagUnlessPushed names the built image, unless it was pushed straight
// from the registry cache and so is not in the store.
func tagUnlessPushed(st *layers.Store, id string, tags []string, pushed bool) error {
	if pushed {
		return nil
	}
	return st.Tag(id, tags...)
}
