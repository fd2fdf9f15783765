// Package stages turns a Dockerfile into a stage graph and runs it: parsing
// with BuildKit's parser, ARG/ENV expansion with BuildKit's shell lexer,
// scheduling independent stages concurrently, and one small executor per
// instruction. It reaches storage, namespaces and files only through the
// layers, sandbox and unpack packages.
package stages

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/unpack"
	"golang.org/x/sync/errgroup"
)

// Options are the inputs of one build, as `stagebox bud` collects them.
type Options struct {
	ContextDir        string
	Dockerfile        string // path; "-" or "" with DockerfileContent set reads that
	DockerfileContent []byte
	BuildArgs         map[string]string
	Target            string
	Pull              unpack.PullPolicy
	NoCache           bool
	Labels            map[string]string
	Tags              []string
	IIDFile           string
	Quiet             bool
	Network           string // "host" (default) or "none"
	Jobs              int    // concurrent stages; <= 0 means no limit
	IgnoreFile        string
	Out, Err          io.Writer

	// RUN --mount=type=secret and type=ssh (issue 12): bud --secret and --ssh.
	Secrets map[string]SecretSource // by id
	SSH     map[string][]string     // by id: one agent socket, or private key files an agent is made for
	// Named build contexts (--build-context NAME=VALUE): a directory,
	// docker-image://REF or oci-layout://DIR[:TAG], by name.
	BuildContexts map[string]string
	// Registries (issue 8): how FROM and COPY --from=<image> pulls and the
	// pushes reach registries (filled by cmd from the registry flags).
	Registry unpack.RegistryOptions

	// Registry cache and outputs (issue 8, items 5 and 6).
	CacheTo   string         // registry repository to publish this build's step entries to; "": none
	CacheFrom []string       // registry repositories consulted in order after a local cache miss
	Output    *layers.Output // also write the target here; with no Tags, only here
	// bud --push: when the target's layers are still only in a registry
	// cache, Build pushes the image straight to PushTo with PushOptions
	// (the cached layers mounted there, never downloaded), stores nothing
	// and sets *Pushed; otherwise it commits as usual for the caller to push.
	PushTo      []string
	PushOptions []layers.PushOption
	Pushed      *bool

	// Reproducible images, image format, buildah's bud flags and cache
	// explanations (issue 12, items 8, 9, 11, 12): repro.go, budflags.go,
	// runlimits.go, explain.go.
	Timestamp        *time.Time        // --timestamp: every `created`, and every new file's mtime (buildah)
	RewriteTimestamp bool              // clamp new files' mtimes to the SOURCE_DATE_EPOCH build arg (BuildKit)
	Format           string            // "oci" (default) or "docker"
	Annotations      map[string]string // manifest annotations (OCI format)
	UnsetEnv         []string          // removed from the committed config's Env
	UnsetLabels      []string          // removed from the committed config's Labels
	OmitHistory      bool              // commit no history entries
	CacheTTL         time.Duration     // > 0: cache entries recorded longer ago are not used
	ExplainCache     bool              // say which input of a step changed when it missed
	RunLimits        RunLimits         // /etc/hosts and resource limits of every RUN

	// Live progress (issue 9, item 7): progress*.go, render_*.go. The
	// build's events go to Progress; nil means plain lines on Out, and
	// Quiet means none.
	Progress Progress

	// Multi-platform builds (issue 10): platform.go, multiplatform.go.
	// Platform is the one target platform (bud --platform); nil builds for
	// the host. Platforms, when it has several, builds each and commits
	// an OCI image index under Tags (Platform is then ignored).
	Platform  *ocispec.Platform
	Platforms []ocispec.Platform

	// Manifest lists (issue 10, item 4): manifest.go. Manifest names the
	// list in local storage each platform's image is added to (bud
	// --manifest), replacing the entry of the same platform.
	Manifest string
	// AllPlatforms (bud --all-platforms) builds for the platforms every base
	// image offers (allplatforms.go).
	AllPlatforms bool

	// CLI habits (issue 9, item 6): bud -v/--volume, --squash, --squash-all, --dns.
	Volumes   []sandbox.Mount // bound into every RUN, after heredocs and before its own --mount
	Squash    bool            // the target's own steps commit as one layer on its base's
	SquashAll bool            // the target commits as one layer
	DNS       []string        // bud --dns: nameservers of every RUN's /etc/resolv.conf

	// Concurrent platforms (issue 10, items 1 and 5): concurrent.go. Set
	// by a several-platform build on each platform's Options: what the
	// platforms' graphs share (--jobs slots, steps run once, the Dockerfile).
	run *platformRun

	// Fully cached rebuilds (issue 11, target 1): cachedonly.go. With
	// CachedOnly, Build runs no step: at the first one that is not a cache
	// hit (or a base image not in storage) it returns ErrNotCached.
	CachedOnly bool
}

// Build runs the Dockerfile in o and commits the target stage; it returns
// the new image's ID. Failures are *Error values naming file and line.
func Build(ctx context.Context, st *layers.Store, o Options) (id string, err error) {
	if o.AllPlatforms {
		if err := resolveAllPlatforms(ctx, st, &o); err != nil {
			return "", err
		}
		o.AllPlatforms = false
	}
	if len(o.Platforms) > 1 {
		return buildPlatforms(ctx, st, o)
	}
	o = withDefaults(o)
	if err := checkCachedOnly(o); err != nil {
		return "", err
	}
	defer buildEnd(o.Progress, time.Now(), &id, &err)
	if err := checkRepro(&o); err != nil {
		return "", err
	}
	if err := checkContext(o.ContextDir); err != nil {
		return "", err
	}
	path, content, err := o.run.readDockerfile(o)
	if err != nil {
		return "", err
	}
	plan, err := ParseDockerfile(filepath.Base(path), content)
	if err != nil {
		return "", err
	}
	for _, w := range plan.Warnings {
		warn(o.Err, "%s", w)
	}
	o.RunLimits.noticeLimits()
	b, err := newBuilder(ctx, st, o, plan, path)
	if err != nil {
		return "", err
	}
	defer b.cleanup()
	b.event(Event{Type: BuildStart, Stages: len(plan.Stages), Parallel: b.parallel()})
	if err := b.checkLayerTimes(); err != nil {
		return "", err
	}
	target, err := b.runStages(ctx)
	if err != nil {
		return "", err
	}
	for _, k := range b.args.unused() {
		logrus.Warnf("build argument %q was not consumed by any ARG in %s", k, plan.File)
	}
	// A step that cannot be interrupted midway (a cache hit, a copy ending
	// as the signal came) must not let an interrupted build commit and tag.
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if id, err = b.finish(ctx, target); err != nil {
		return "", err
	}
	if err := b.publish(ctx); err != nil {
		return "", &Error{File: plan.File, Err: err}
	}
	return id, b.addToManifest(ctx, id)
}

func withDefaults(o Options) Options {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Err == nil {
		o.Err = io.Discard
	}
	if o.Quiet {
		o.Progress = nil
	} else if o.Progress == nil {
		o.Progress = NewPlainProgress(o.Out)
	}
	if o.Progress != nil {
		// Warnings join the build's events, so a live terminal view keeps
		// them above its redrawn lines and rawjson carries them as notes.
		p := o.Progress
		o.Err = newLineEvents(func(line string) { p.Event(Event{Type: StepNote, Line: line}) })
	}
	if o.Jobs <= 0 {
		// No limit, as BuildKit: every stage whose inputs are ready runs.
		// Stages often wait (a download, a sleep, a test's timeout), so a
		// CPU-count limit left the third of three such stages idle on two
		// cores (tests/bench fanout: 4.2 s against BuildKit's 2.2 s).
		o.Jobs = math.MaxInt
	}
	if o.Network == "" {
		o.Network = "host"
	}
	if o.ContextDir == "" {
		o.ContextDir = "."
	}
	return o
}

// runStages schedules every stage the target needs. A stage starts once all
// stages it reads are done, so a --jobs slot is never held while waiting;
// the first failure cancels the rest.
func (b *builder) runStages(ctx context.Context) (*stageResult, error) {
	g, gctx := errgroup.WithContext(ctx)
	slots := b.opts.run.jobSlots(b.opts.Jobs)
	for _, s := range b.order {
		s := s
		g.Go(func() error {
			for _, d := range b.nodes[s].deps {
				if err := b.results[d].wait(gctx); err != nil {
					return err
				}
			}
			select {
			case slots <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			defer func() { <-slots }()
			err := b.runStage(gctx, s)
			b.results[s].finish(err)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return b.results[b.target], nil
}

// finish commits the target stage as an image with every tag and writes
// it to --output; with --output and no tag it is not stored at all, and
// neither is it when bud --push can push it from the registry cache.
func (b *builder) finish(ctx context.Context, target *stageResult) (string, error) {
	cfg := cloneSpec(target.cfg)
	for k, v := range b.opts.Labels {
		if cfg.Config.Labels == nil {
			cfg.Config.Labels = map[string]string{}
		}
		cfg.Config.Labels[k] = v
	}
	now := b.now()
	cfg.Created = &now
	b.finishConfig(&cfg)
	if len(b.opts.PushTo) > 0 && (len(target.pending) > 0 || target.base != nil) && b.opts.Output == nil {
		return b.pushCached(ctx, target, cfg)
	}
	top, err := b.localTop(ctx, target)
	if err != nil {
		return "", err
	}
	if top, err = b.squash(target.squashFrom, top, &cfg); err != nil {
		return "", &Error{File: b.plan.File, Err: err}
	}
	var id string
	if b.opts.Output == nil || len(b.opts.Tags) > 0 {
		if id, err = b.commit(ctx, top, cfg); err != nil {
			return "", err
		}
	}
	if b.opts.Output != nil {
		b.progress("OUTPUT type=%s,dest=%s", b.opts.Output.Type, b.opts.Output.Dest)
		if id, err = b.store.Export(ctx, top, cfg, b.opts.Tags, *b.opts.Output); err != nil {
			return "", &Error{File: b.plan.File, Err: err}
		}
	}
	return id, b.writeIIDFile(id)
}

// commit writes the target stage as an image with every tag.
func (b *builder) commit(ctx context.Context, top string, cfg layers.ImageSpec) (string, error) {
	if len(b.opts.Tags) > 0 {
		b.progress("COMMIT %s", strings.Join(b.opts.Tags, " "))
	}
	id, err := b.store.Commit(ctx, top, cfg, b.opts.Tags, b.commitOptions()...)
	if err != nil {
		return "", &Error{File: b.plan.File, Err: fmt.Errorf("commit: %w", err)}
	}
	if len(b.opts.Tags) == 0 {
		// No name to announce: the ID is how the user will find it.
		b.progress("COMMIT sha256:%s", id)
	}
	return id, nil
}

// writeIIDFile writes --iidfile, if asked.
func (b *builder) writeIIDFile(id string) error {
	if b.opts.IIDFile != "" {
		if err := os.WriteFile(b.opts.IIDFile, []byte("sha256:"+id), 0o644); err != nil {
			return fmt.Errorf("write --iidfile: %w", err)
		}
	}
	return nil
}

// warn prints one warning line on the build's error stream: a notice the
// user should read whatever --log-level says, in one line a CI log keeps.
func warn(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "warning: "+format+"\n", a...)
}

// newLexer gives each stage its own lexer: BuildKit's Lex is not safe for
// concurrent use.
func (b *builder) newLexer() *shell.Lex { return shell.NewLex(b.plan.Escape) }
