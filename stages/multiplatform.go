package stages

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// buildPlatforms builds o once per platform of o.Platforms, each its own
// stage graph, concurrently (concurrent.go), and commits an OCI image
// index of the images under o.Tags; it returns the index's ID. A
// $BUILDPLATFORM stage, whose steps have the same cache keys for every
// target, runs once: the other platforms stack on its layers.
func buildPlatforms(ctx context.Context, st *layers.Store, o Options) (id string, err error) {
	if err := checkPlatforms(o); err != nil {
		return "", err
	}
	o = withDefaults(o)
	if o.Progress != nil {
		defer buildEnd(o.Progress, time.Now(), &id, &err)
		o.Progress.Event(Event{Type: BuildStart, Parallel: true})
	}
	ids, err := buildEach(ctx, st, o)
	if err != nil {
		return "", err
	}
	id, err = commitIndex(st, o, ids)
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
