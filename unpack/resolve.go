package unpack

import (
	"context"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/types"
)

// Remote is an image Resolve found in a registry and did not pull.
type Remote struct {
	ID     string           // the image ID it will have in storage: its config's digest
	Config []byte           // its config, as stored
	Ref    reference.Named  // where it was found
	Layers []types.BlobInfo // its layer blobs there, base first
}

// Resolve is Pull without the pull, for a build that may never need an
// image's files (every step on it a registry cache hit): an image in
// storage gives its ID and a nil Remote; one that Pull would take from a
// registry gives its ID and config, read from its manifest and config
// alone, and Pull(name) fetches its layers later if they are needed.
// Other transports are pulled as Pull does.
func (p *Puller) Resolve(ctx context.Context, name string, policy PullPolicy) (string, *Remote, error) {
	if hasTransport(name) && !strings.HasPrefix(name, "docker://") {
		id, err := p.Pull(ctx, name, policy)
		return id, nil, err
	}
	if err := p.init(); err != nil {
		return "", nil, err
	}
	local, cands, err := p.candidates(name)
	if err != nil {
		return "", nil, err
	}
	if id, ok := p.localImage(local, policy); ok {
		return id, nil, nil
	}
	if policy == PullNever {
		return "", nil, fmt.Errorf("image %q not found in local storage and %s=never", name, p.policyFlag())
	}
	named, err := cands()
	if err != nil {
		return "", nil, err
	}
	var errs []string
	for _, n := range named {
		r, err := p.remoteConfig(ctx, n)
		if err == nil {
			return r.ID, r, nil
		}
		errs = append(errs, err.Error())
	}
	return "", nil, fmt.Errorf("resolving image %q failed (%s=%s): %s", name, p.policyFlag(), policy, strings.Join(errs, "; "))
}

// remoteConfig reads named's manifest (this platform's, from a list) and
// config.
func (p *Puller) remoteConfig(ctx context.Context, named reference.Named) (*Remote, error) {
	ref, err := docker.NewReference(named)
	if err != nil {
		return nil, fmt.Errorf("parsing image name %q: %w", named, err)
	}
	var r *Remote
	err = WithRetry(ctx, p.Registry, func() error {
		src, err := ref.NewImageSource(ctx, p.sys)
		if err != nil {
			return err
		}
		img, err := image.FromSource(ctx, p.sys, src)
		if err != nil {
			src.Close()
			return err
		}
		defer img.Close() // and src with it
		config, err := img.ConfigBlob(ctx)
		if err != nil {
			return err
		}
		r = &Remote{ID: img.ConfigInfo().Digest.Encoded(), Config: config, Ref: named, Layers: img.LayerInfos()}
		return nil
	})
	if err != nil {
		return nil, Explain(fmt.Errorf("reading %s: %w", named, err), p.sys, p.Registry)
	}
	return r, nil
}
