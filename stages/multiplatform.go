package stages

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// buildPlatforms builds o once per platform of o.Platforms and commits an
// OCI image index of the images under o.Tags; it returns the index's ID.
// The platforms build one after the other: a $BUILDPLATFORM stage, whose
// steps have the same cache keys for every target, runs for the first and
// is a cache hit for the others.
func buildPlatforms(ctx context.Context, st *layers.Store, o Options) (string, error) {
	if err := checkPlatforms(o); err != nil {
		return "", err
	}
	o = withDefaults(o)
	var ids []string
	for i := range o.Platforms {
		p := o.Platforms[i]
		po := o
		po.Platforms, po.Platform = nil, &p
		po.Tags, po.IIDFile, po.PushTo, po.Pushed = nil, "", nil, nil
		if !o.Quiet {
			fmt.Fprintf(o.Out, "PLATFORM %s (%d/%d)\n", unpack.PlatformString(p), i+1, len(o.Platforms))
		}
		id, err := Build(ctx, st, po)
		if err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	id, err := commitIndex(st, o, ids)
	if err != nil {
		return "", err
	}
	if !o.Quiet {
		fmt.Fprintf(o.Out, "COMMIT %d-platform image index\n", len(ids))
	}
	if o.IIDFile != "" {
		if err := os.WriteFile(o.IIDFile, []byte("sha256:"+id), 0o644); err != nil {
			return "", fmt.Errorf("write --iidfile: %w", err)
		}
	}
	return id, nil
}

// checkPlatforms refuses what a several-platform build does not do yet.
func checkPlatforms(o Options) error {
	seen := map[string]bool{}
	for _, p := range o.Platforms {
		s := unpack.PlatformString(p)
		if seen[s] {
			return fmt.Errorf("--platform %s is given twice", s)
		}
		seen[s] = true
	}
	switch {
	case o.Output != nil:
		return errors.New("--output with several platforms is not supported: build one platform per --output")
	case o.Format == "docker":
		return errors.New("--format docker with several platforms is not supported: the image index is OCI; use --format oci")
	}
	return nil
}
