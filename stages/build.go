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
	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
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
}

// Build runs the Dockerfile in o and commits the target stage; it returns
// the new image's ID. Failures are *Error values naming file and line.
func Build(ctx context.Context, st *layers.Store, o Options) (string, error) {
	o = withDefaults(o)
	if err := checkRepro(&o); err != nil {
		return "", err
	}
	if err := checkContext(o.ContextDir); err != nil {
		return "", err
	}
	path, content, err := readDockerfile(o)
	if err != nil {
		return "", err
	}
	plan, err := ParseDockerfile(filepath.Base(path), content)
	if err != nil {
		return "", err
	}
	for _, w := range plan.Warnings {
		logrus.Warn(w)
	}
	o.RunLimits.noticeLimits()
	b, err := newBuilder(ctx, st, o, plan, path)
	if err != nil {
		return "", err
	}
	defer b.cleanup()
	if err := b.checkLayerTimes(); err != nil {
		return "", err
	}
	top, cfg, err := b.runStages(ctx)
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
	return b.commit(ctx, top, cfg)
}

func withDefaults(o Options) Options {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Err == nil {
		o.Err = io.Discard
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
func (b *builder) runStages(ctx context.Context) (string, layers.ImageSpec, error) {
	g, gctx := errgroup.WithContext(ctx)
	slots := make(chan struct{}, b.opts.Jobs)
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
		return "", layers.ImageSpec{}, err
	}
	r := b.results[b.target]
	return r.top, r.cfg, nil
}

// commit writes the target stage as an image with every tag, and the
// --iidfile, then prints the ID as the last line of output.
func (b *builder) commit(ctx context.Context, top string, cfg layers.ImageSpec) (string, error) {
	for k, v := range b.opts.Labels {
		if cfg.Config.Labels == nil {
			cfg.Config.Labels = map[string]string{}
		}
		cfg.Config.Labels[k] = v
	}
	now := b.now()
	cfg.Created = &now
	b.finishConfig(&cfg)
	b.progress("COMMIT %s", strings.Join(b.opts.Tags, " "))
	id, err := b.store.Commit(ctx, top, cfg, b.opts.Tags, b.commitOptions()...)
	if err != nil {
		return "", &Error{File: b.plan.File, Err: fmt.Errorf("commit: %w", err)}
	}
	if b.opts.IIDFile != "" {
		if err := os.WriteFile(b.opts.IIDFile, []byte("sha256:"+id), 0o644); err != nil {
			return "", fmt.Errorf("write --iidfile: %w", err)
		}
	}
	return id, nil
}

// newLexer gives each stage its own lexer: BuildKit's Lex is not safe for
// concurrent use.
func (b *builder) newLexer() *shell.Lex { return shell.NewLex(b.plan.Escape) }
