package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// identityLabel is stagebox's io.buildah.version: the version that built
// an image, unless bud --identity-label=false.
const identityLabel = "io.stagebox.version"

// reproFlags are bud's flags for reproducible images, the image format and
// the buildah flags of issue 12 (items 8, 9, 11, 12).
func reproFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Value: "oci", EnvVars: []string{"BUILDAH_FORMAT"}, Usage: "image format: oci or docker (env BUILDAH_FORMAT)"},
		&cli.Int64Flag{Name: "timestamp", Usage: "seconds since the epoch: the image's and its history's created time, and every new file's mtime"},
		&cli.StringFlag{Name: "source-date-epoch", EnvVars: []string{"SOURCE_DATE_EPOCH"}, Usage: "seconds since the epoch: the image's created time; sets the SOURCE_DATE_EPOCH build arg (env SOURCE_DATE_EPOCH)"},
		&cli.BoolFlag{Name: "rewrite-timestamp", Usage: "clamp the mtimes of files in new layers to SOURCE_DATE_EPOCH"},
		&cli.StringSliceFlag{Name: "build-arg-file", Usage: "file of KEY=VALUE build args, one a line (repeatable; --build-arg wins)"},
		&cli.StringSliceFlag{Name: "annotation", Usage: "KEY=VALUE manifest annotation (repeatable; OCI format)"},
		&cli.StringSliceFlag{Name: "unsetenv", Usage: "remove this variable from the image's environment (repeatable)"},
		&cli.StringSliceFlag{Name: "unsetlabel", Usage: "remove this label from the image, also one the base set (repeatable)"},
		&cli.StringSliceFlag{Name: "add-host", Usage: "HOST:IP line added to every RUN's /etc/hosts (repeatable)"},
		&cli.BoolFlag{Name: "no-hosts", Usage: "RUN sees the image's own /etc/hosts instead of a generated one"},
		&cli.StringSliceFlag{Name: "ulimit", Usage: "TYPE=SOFT[:HARD] resource limit of every RUN, e.g. nofile=1024:2048 (repeatable)"},
		&cli.StringFlag{Name: "memory", Aliases: []string{"m"}, Usage: "memory limit of every RUN, e.g. 512m (cgroups: as root only; rootless says so)"},
		&cli.Uint64Flag{Name: "cpu-shares", Usage: "CPU weight of every RUN, 1024 the default (cgroups: as root only; rootless says so)"},
		&cli.BoolFlag{Name: "omit-history", Usage: "commit the image with no history entries"},
		&cli.BoolFlag{Name: "identity-label", Value: true, Usage: "label the image with " + identityLabel},
		&cli.DurationFlag{Name: "cache-ttl", Usage: "use only cache entries recorded less than this long ago (0: no cache)"},
		&cli.BoolFlag{Name: "explain-cache", Usage: "for a step that misses the cache, say which input differs from the entry on the same parent (also at --log-level info)"},
	}
}

// applyReproFlags fills o from reproFlags, after the base flags.
func applyReproFlags(c *cli.Context, o *stages.Options) error {
	o.Format = c.String("format")
	if o.Format == "v2s2" { // buildah's other spelling
		o.Format = "docker"
	}
	if !layers.ValidFormat(o.Format) {
		return fmt.Errorf("--format %q: use oci or docker", o.Format)
	}
	if c.IsSet("timestamp") {
		t := time.Unix(c.Int64("timestamp"), 0).UTC()
		o.Timestamp = &t
	}
	if err := buildArgFiles(c.StringSlice("build-arg-file"), o); err != nil {
		return err
	}
	if v := c.String("source-date-epoch"); v != "" {
		if _, err := strconv.ParseUint(v, 10, 63); err != nil {
			return fmt.Errorf("--source-date-epoch (or $SOURCE_DATE_EPOCH) %q: want seconds since 1970-01-01 UTC", v)
		}
		if _, given := o.BuildArgs["SOURCE_DATE_EPOCH"]; !given {
			o.BuildArgs["SOURCE_DATE_EPOCH"] = v
		}
	}
	o.RewriteTimestamp = c.Bool("rewrite-timestamp")
	var err error
	if o.Annotations, err = keyValues(c.StringSlice("annotation"), "--annotation", false); err != nil {
		return err
	}
	o.UnsetEnv, o.UnsetLabels = c.StringSlice("unsetenv"), c.StringSlice("unsetlabel")
	o.OmitHistory, o.ExplainCache = c.Bool("omit-history"), c.Bool("explain-cache")
	if c.Bool("identity-label") {
		if _, set := o.Labels[identityLabel]; !set {
			o.Labels[identityLabel] = version
		}
	}
	if c.IsSet("cache-ttl") {
		if o.CacheTTL = c.Duration("cache-ttl"); o.CacheTTL <= 0 {
			o.NoCache = true // buildah: --cache-ttl=0 is --no-cache
		}
	}
	return runLimitFlags(c, o)
}

// buildArgFiles reads --build-arg-file files (KEY=VALUE lines, # comments,
// a bare KEY taken from the environment) under the --build-arg values.
func buildArgFiles(files []string, o *stages.Options) error {
	merged := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("--build-arg-file: %w", err)
		}
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		kv, err := keyValues(lines, "--build-arg-file "+f, true)
		if err != nil {
			return err
		}
		for k, v := range kv {
			merged[k] = v
		}
	}
	for k, v := range o.BuildArgs {
		merged[k] = v
	}
	o.BuildArgs = merged
	return nil
}
