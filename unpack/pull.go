package unpack

import (
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Puller brings images into local storage.
type Puller struct {
	Store    storage.Store
	Registry RegistryOptions // TLS, credentials, registries.conf, retries
	Log      io.Writer       // copy progress; nil is quiet
	// Platform picks the entry of a manifest list or index, and refuses a
	// local image of another platform; nil is the host's.
	Platform *ocispec.Platform
	// PolicyFlag is the flag that set the policy, named in errors: "--pull"
	// when empty (bud, run); pull's is "--policy".
	PolicyFlag string

	once   sync.Once
	sys    *types.SystemContext // built from Registry once, by the first Pull
	sysErr error
}

// Pull resolves name to an image in p.Store and returns its ID. Plain names
// are looked up locally first (exact, "localhost/NAME", short-name
// candidates, Docker Hub's normalization) and, as policy allows, pulled
// from a registry per registries.conf; "docker://" names skip short-name
// resolution; other transport-qualified references (oci:, dir:, ...) are
// copied into storage.
func (p *Puller) Pull(ctx context.Context, name string, policy PullPolicy) (string, error) {
	if err := p.init(); err != nil {
		return "", err
	}
	if hasTransport(name) && !strings.HasPrefix(name, "docker://") {
		return p.pullTransport(ctx, name, policy)
	}
	local, remote, err := p.candidates(name)
	if err != nil {
		return "", err
	}
	return p.pullNamed(ctx, name, local, remote, policy)
}

// init builds the SystemContext once, for the registry options and platform.
func (p *Puller) init() error {
	p.once.Do(func() {
		p.sys, p.sysErr = p.Registry.SystemContext()
		if p.sysErr == nil {
			choosePlatform(p.sys, p.Platform)
		}
	})
	return p.sysErr
}

func (p *Puller) policyFlag() string {
	if p.PolicyFlag == "" {
		return "--pull"
	}
	return p.PolicyFlag
}

// candidates are the names a registry image name may have in storage, and
// (a func, to read registries.conf only when needed) in registries:
// "docker://" names skip short-name resolution.
func (p *Puller) candidates(name string) (iter.Seq[string], func() ([]reference.Named, error), error) {
	if strings.HasPrefix(name, "docker://") {
		named, err := reference.ParseNormalizedNamed(strings.TrimPrefix(name, "docker://"))
		if err != nil {
			return nil, nil, fmt.Errorf("parsing image name %q: %w", name, err)
		}
		named = reference.TagNameOnly(named)
		return slices.Values([]string{named.String()}), func() ([]reference.Named, error) {
			return []reference.Named{named}, nil
		}, nil
	}
	return LocalNameSeq(p.sys, name), func() ([]reference.Named, error) {
		return p.registryNames(name)
	}, nil
}

// registryNames lists where a plain name may be pulled from: itself when
// it names a registry, else its short-name candidates.
func (p *Puller) registryNames(name string) ([]reference.Named, error) {
	if isShortName(name) {
		return shortNameCandidates(p.sys, name)
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, fmt.Errorf("parsing image name %q: %w", name, err)
	}
	return []reference.Named{reference.TagNameOnly(named)}, nil
}

// pullNamed looks for any of local in storage (unless policy is always),
// then pulls from the registries remote lists, reading registries.conf
// only when a pull is needed.
func (p *Puller) pullNamed(ctx context.Context, name string, local iter.Seq[string], remote func() ([]reference.Named, error), policy PullPolicy) (string, error) {
	if id, ok := p.localImage(local, policy); ok {
		return id, nil
	}
	if policy == PullNever {
		return "", fmt.Errorf("image %q not found in local storage and %s=never", name, p.policyFlag())
	}
	cands, err := remote()
	if err != nil {
		return "", err
	}
	var errs []string
	for _, named := range cands {
		id, err := p.pullFromRegistry(ctx, named)
		if err == nil {
			return id, nil
		}
		errs = append(errs, err.Error())
	}
	// One line, however many registries were tried.
	return "", fmt.Errorf("pulling image %q failed (%s=%s): %s", name, p.policyFlag(), policy, strings.Join(errs, "; "))
}

// localImage finds the first of names in storage. An image named by its ID
// (or an ID prefix) is local whatever the policy: there is nothing to pull.
func (p *Puller) localImage(names iter.Seq[string], policy PullPolicy) (string, bool) {
	for n := range names {
		img, err := p.Store.Image(n)
		if err != nil {
			continue
		}
		id, ok := p.listEntry(img.ID)
		if ok && !strings.HasPrefix(img.ID, n) && !p.localPlatform(id) {
			id, ok = p.sibling(img) // platforms.go
		}
		if !ok {
			continue
		}
		if policy != PullAlways || strings.HasPrefix(img.ID, n) {
			return id, true
		}
	}
	return "", false
}

// pullFromRegistry copies docker://named into storage under named.
func (p *Puller) pullFromRegistry(ctx context.Context, named reference.Named) (string, error) {
	src, err := docker.NewReference(named)
	if err != nil {
		return "", fmt.Errorf("parsing image name %q: %w", named, err)
	}
	return p.copyIn(ctx, src, []string{named.String()})
}

// copyIn copies src into storage, named names[0] (or by ID alone when
// names is empty), adds the other names, and returns the image ID.
func (p *Puller) copyIn(ctx context.Context, src types.ImageReference, names []string) (string, error) {
	dst, err := p.storageRef(ctx, src, names)
	if err != nil {
		return "", err
	}
	pc, err := PolicyContextFor(p.sys)
	if err != nil {
		return "", err
	}
	defer pc.Destroy()
	err = WithRetry(ctx, p.Registry, func() error {
		opts, finish := CopyOptions(p.sys, p.Log)
		defer finish()
		_, err := copy.Image(ctx, pc, dst, src, opts)
		return err
	})
	if err != nil {
		return "", Explain(fmt.Errorf("pulling %s: %w", describe(src), err), p.sys, p.Registry)
	}
	img, err := is.Transport.GetStoreImage(p.Store, dst)
	if err != nil {
		return "", fmt.Errorf("finding %s in storage after pulling it: %w", describe(src), err)
	}
	if len(names) > 1 {
		if err := p.Store.AddNames(img.ID, names[1:]); err != nil {
			return "", fmt.Errorf("naming image %s: %w", img.ID, err)
		}
	}
	return img.ID, nil
}

// storageRef is where src lands: its first name, or, with no name, its ID
// (the config digest, as containers/image computes it) so that an
// unnamed pull never takes a name from another image.
func (p *Puller) storageRef(ctx context.Context, src types.ImageReference, names []string) (types.ImageReference, error) {
	if len(names) > 0 {
		ref, err := is.Transport.ParseStoreReference(p.Store, names[0])
		if err != nil {
			return nil, fmt.Errorf("naming the pulled image %q: %w", names[0], err)
		}
		return ref, nil
	}
	img, err := src.NewImage(ctx, p.sys)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", describe(src), err)
	}
	defer img.Close()
	ref, err := is.Transport.NewStoreReference(p.Store, nil, img.ConfigInfo().Digest.Encoded())
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", describe(src), err)
	}
	return ref, nil
}

// describe names ref the way a user would type it.
func describe(ref types.ImageReference) string {
	return ref.Transport().Name() + ":" + ref.StringWithinTransport()
}
