package stages

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// resolveAllPlatforms turns bud --all-platforms into o.Platforms: the
// platforms every base image of the stages the target needs offers
// (stages FROM scratch, another stage, a named context or
// --platform=$BUILDPLATFORM left out), in the first base's order.
func resolveAllPlatforms(ctx context.Context, st *layers.Store, o *Options) error {
	path, content, err := readDockerfile(*o)
	if err != nil {
		return err
	}
	plan, err := ParseDockerfile(filepath.Base(path), content)
	if err != nil {
		return err
	}
	b, err := newBuilder(ctx, st, withDefaults(*o), plan, path)
	if err != nil {
		return err
	}
	defer b.cleanup()
	var common []ocispec.Platform
	seen := false
	for _, s := range b.order {
		n := b.nodes[s]
		if n.baseStage != nil || n.base == "scratch" || n.context != nil || n.baseContext != nil || strings.Contains(s.Platform, "BUILDPLATFORM") {
			continue
		}
		offered, list, err := b.puller.Platforms(ctx, n.base)
		if err == nil && !list {
			err = fmt.Errorf("--all-platforms: %s is a single-platform image, so stage %s has no platforms to offer: give them with --platform", n.base, s.Label())
		}
		if err != nil {
			return &Error{File: plan.File, Line: s.Line, Instruction: "FROM", Err: err}
		}
		common = intersectPlatforms(common, offered, !seen)
		seen = true
	}
	switch {
	case !seen:
		return errors.New("--all-platforms: no stage starts from an image to take platforms from (FROM scratch or $BUILDPLATFORM only): give them with --platform")
	case len(common) == 0:
		return errors.New("--all-platforms: the base images have no platform in common: give the platforms with --platform")
	case len(common) == 1:
		o.Platform, o.Platforms = &common[0], nil
	default:
		o.Platform, o.Platforms = nil, common
	}
	return nil
}

// intersectPlatforms keeps the Linux platforms of have that offered has
// too; first takes offered's Linux platforms as they are.
func intersectPlatforms(have, offered []ocispec.Platform, first bool) []ocispec.Platform {
	var out []ocispec.Platform
	in := func(list []ocispec.Platform, p ocispec.Platform) bool {
		for _, q := range list {
			if unpack.PlatformString(q) == unpack.PlatformString(p) {
				return true
			}
		}
		return false
	}
	from := have
	if first {
		from = offered
	}
	for _, p := range from {
		if p.OS == "linux" && !in(out, p) && (first || in(offered, p)) {
			out = append(out, p)
		}
	}
	return out
}
