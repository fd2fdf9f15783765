package stages

import (
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/unpack"
)

// targetPlatform is the platform the build is for: --platform, else the host.
func (o Options) targetPlatform() ocispec.Platform {
	if o.Platform != nil && o.Platform.Architecture != "" {
		return *o.Platform
	}
	return unpack.HostPlatform()
}

// samePlatform compares OS and architecture, and the variants when both
// name one.
func samePlatform(a, b ocispec.Platform) bool {
	return a.OS == b.OS && a.Architecture == b.Architecture && (a.Variant == "" || b.Variant == "" || a.Variant == b.Variant)
}

// assignPlatforms gives every stage the platform it runs for: its FROM
// --platform, which may be the host's ($BUILDPLATFORM, for stages that
// cross-compile natively) or the target's, else the target. Another
// platform is refused by validate, only if the stage runs.
func (b *builder) assignPlatforms() {
	target, host := b.opts.targetPlatform(), unpack.HostPlatform()
	for _, s := range b.plan.Stages {
		n := b.nodes[s]
		n.platform = target
		if n.fromPlatform == "" {
			continue
		}
		p, err := unpack.ParsePlatform(n.fromPlatform)
		switch {
		case err != nil:
			n.refusal = &Error{File: b.plan.File, Line: s.Line, Instruction: "FROM", Err: fmt.Errorf("--platform: %w", err)}
		case samePlatform(p, target):
			n.platform = target
		case samePlatform(p, host):
			n.platform = host
		default:
			n.refusal = &Error{File: b.plan.File, Line: s.Line, Instruction: "FROM", Err: fmt.Errorf(
				"--platform=%s is not supported: a stage builds for the build platform %s or the target platform %s (bud --platform)",
				n.fromPlatform, unpack.PlatformString(host), unpack.PlatformString(target))}
		}
	}
}

// checkEmulation fails before the first step when a stage that runs RUN
// is for an architecture this host can neither run nor emulate, naming
// the architecture and what to install.
func (b *builder) checkEmulation() error {
	for _, s := range b.order {
		n := b.nodes[s]
		if n.context != nil || unpack.IsHost(n.platform) || !hasRun(s) {
			continue
		}
		if err := sandbox.CheckEmulation(n.platform.Architecture); err != nil {
			return &Error{File: b.plan.File, Line: s.Line, Instruction: "FROM", Err: err}
		}
	}
	return nil
}

func hasRun(s *Stage) bool {
	for _, c := range s.Commands {
		if _, ok := c.(*instructions.RunCommand); ok {
			return true
		}
	}
	return false
}

// pullerFor is the puller for a stage of platform p: the build's, which
// picks the target's entries, or one for the host's ($BUILDPLATFORM
// stages of a build for another platform).
func (b *builder) pullerFor(p ocispec.Platform) *unpack.Puller {
	if samePlatform(p, b.opts.targetPlatform()) {
		return b.puller
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hostPuller == nil {
		host := unpack.HostPlatform()
		b.hostPuller = &unpack.Puller{Store: b.puller.Store, Registry: b.puller.Registry, Log: b.puller.Log, Platform: &host}
	}
	return b.hostPuller
}

// checkBasePlatform refuses a base image of another platform than the
// stage's: a single-platform image is not chosen from a list, and its
// binaries would not be what the build is for.
func (st *stageState) checkBasePlatform(name string, cfg ocispec.Image) error {
	want := st.platform
	if cfg.Architecture == "" || (cfg.OS == want.OS && unpack.NormalizeArch(cfg.Architecture) == want.Architecture) {
		return nil
	}
	return fmt.Errorf("base image %q is for %s/%s, not %s: use an image (or a manifest list) with a %s entry",
		name, cfg.OS, cfg.Architecture, unpack.PlatformString(want), unpack.PlatformString(want))
}
