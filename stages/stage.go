package stages

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
)

// stageState is one stage being executed: its layer stack (by top layer),
// the config it mutates, and the ARGs in scope.
type stageState struct {
	b      *builder
	stage  *Stage
	node   *node
	lex    *shell.Lex
	args   *argScope
	top    string
	key    string // cache key of top: the chain of filesystem steps below it
	cfg    layers.ImageSpec
	cmdSet bool // CMD given in this stage (an ENTRYPOINT then keeps it)
	step   int
	steps  int
	clock  stepClock // the current step's start, for its end event

	// platform is the one the stage builds for: node.platform (platform.go).
	platform ocispec.Platform

	// Registry cache: what is still in registries (see lazyFrom, remoteHit).
	ctx     context.Context          // the build's, for downloads a step triggers
	pending []*layers.RemoteEntry    // registry cache hits stacked on top, not downloaded yet
	base    *lazyBase                // a base image left in its registry; top is "" until it is pulled
	detail  func() map[string]string // finer inputs of the next step, asked only on a miss (explain.go)

	squashFrom squashBase // where FROM left the stage, what --squash keeps (squash.go)
}

func (b *builder) runStage(ctx context.Context, s *Stage) (err error) {
	st := &stageState{b: b, ctx: ctx, stage: s, node: b.nodes[s], lex: b.newLexer(), args: newArgScope(b.args, b.global)}
	st.platform = st.node.platform
	cmds := s.Commands
	if st.node.context != nil {
		cmds = nil // replaced by the build context of its name
	}
	st.steps = len(cmds) + 1
	defer func() { st.endStep(err) }()
	st.progress("FROM %s", st.fromText())
	triggers, err := st.from(ctx)
	if err != nil {
		return &Error{File: b.plan.File, Line: s.Line, Instruction: "FROM", Err: err}
	}
	st.squashFrom = squashBase{top: st.top, history: len(st.cfg.History)}
	if len(triggers) > 0 {
		st.steps += len(triggers)
		for _, t := range triggers {
			if err := st.dispatch(ctx, t); err != nil {
				return onbuildError(b.plan.File, s.Line, t, err)
			}
		}
	}
	for _, c := range cmds {
		if err := st.dispatch(ctx, c); err != nil {
			return at(b.plan.File, c, err)
		}
	}
	r := b.results[s]
	r.top, r.cfg, r.key, r.pending, r.base, r.squashFrom = st.top, st.cfg, st.key, st.pending, st.base, st.squashFrom
	return nil
}

func (st *stageState) fromText() string {
	if nc := st.node.context; nc != nil {
		return fmt.Sprintf("%s (--build-context %s replaces this stage)", st.node.base, nc.name)
	}
	t := st.node.base
	if st.stage.Name != "" {
		t += " AS " + st.stage.Name
	}
	return t
}

// from sets up the stage's starting layer and config and returns the
// base image's ONBUILD triggers, which run before the stage's own steps.
func (st *stageState) from(ctx context.Context) ([]instructions.Command, error) {
	n := st.node
	var err error
	switch {
	case n.context != nil:
		// A stage replaced by a context runs nothing of its own, triggers included.
		return nil, st.startFromContext(ctx, n.context)
	case n.baseStage != nil:
		r := st.b.results[n.baseStage]
		r.mu.Lock()
		st.top, st.cfg, st.key, st.base = r.top, cloneSpec(r.cfg), r.key, r.base
		st.pending = append([]*layers.RemoteEntry(nil), r.pending...)
		r.mu.Unlock()
	case n.baseContext != nil:
		err = st.startFromContext(ctx, n.baseContext)
	default:
		err = st.startFromImage(ctx, n.base)
	}
	if err != nil {
		return nil, err
	}
	triggers, err := parseTriggers(st.cfg.Config.OnBuild)
	st.cfg.Config.OnBuild = nil
	return triggers, err
}

// startFromImage starts the stage on an image, pulled per --pull, or on
// nothing for scratch.
func (st *stageState) startFromImage(ctx context.Context, name string) error {
	if strings.EqualFold(name, "scratch") {
		st.startEmpty()
		return nil
	}
	if lazy, err := st.lazyFrom(ctx, name); err != nil || lazy {
		if err == nil {
			fixBaseHistory(&st.cfg)
			st.defaultPath()
		}
		return err
	}
	id, err := st.b.pull(ctx, st.b.pullerFor(st.platform), name)
	if err != nil {
		return err
	}
	img, err := st.b.store.Image(id)
	if err != nil {
		return err
	}
	if err := st.checkBasePlatform(name, img.Config.Image); err != nil {
		return err
	}
	st.top, st.cfg, st.key = img.TopLayer, cloneSpec(img.Config), "image:"+img.ID
	fixBaseHistory(&st.cfg)
	st.defaultPath()
	return nil
}

// startEmpty starts the stage on no layers with the config docker and
// BuildKit give an empty image: the host platform, WorkingDir "/" and the
// default PATH. The platform is the stage's (the host's unless --platform).
func (st *stageState) startEmpty() {
	st.top, st.key = "", "scratch"
	st.cfg = layers.ImageSpec{Image: ocispec.Image{Platform: st.platform}}
	st.cfg.Config.WorkingDir = "/"
	st.defaultPath()
}

// defaultPath gives the stage a PATH when its base has none, as BuildKit
// does for every stage.
func (st *stageState) defaultPath() {
	if _, ok := lookupEnv(st.cfg.Config.Env, "PATH"); !ok {
		st.cfg.Config.Env = append(st.cfg.Config.Env, "PATH="+defaultPath)
	}
}

// fixBaseHistory makes a base image's history agree with its layers: some
// images carry none, and a committed image must have one non-empty history
// entry per layer.
func fixBaseHistory(cfg *layers.ImageSpec) {
	nonEmpty := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty == len(cfg.RootFS.DiffIDs) {
		return
	}
	cfg.History = nil
	for range cfg.RootFS.DiffIDs {
		cfg.History = append(cfg.History, ocispec.History{CreatedBy: "(base image layer)"})
	}
}

// addHistory records a step; empty marks metadata-only steps.
func (st *stageState) addHistory(cmd instructions.Command, empty bool) {
	st.addHistoryText(historyText(cmd), empty)
}

func (st *stageState) addHistoryText(text string, empty bool) {
	now := st.b.now()
	st.cfg.History = append(st.cfg.History, ocispec.History{
		Created:    &now,
		CreatedBy:  text,
		Comment:    "stagebox",
		EmptyLayer: empty,
	})
}

func historyText(cmd instructions.Command) string {
	if s, ok := cmd.(fmt.Stringer); ok {
		return s.String()
	}
	return strings.ToUpper(cmd.Name())
}

// fsStep runs fn on a new working layer stacked on the stage's top and
// seals it as the new top, recorded in the cache under the key derived from
// keyParts. A cache hit skips fn entirely. On failure the layer is dropped,
// so a stage never stacks on a half-made layer; fn reporting no change drops
// the layer too and the step costs no layer.
func (st *stageState) fsStep(cmd instructions.Command, keyParts []string, fn func(root string) (changed bool, err error)) error {
	return st.fsStepText(historyText(cmd), keyParts, fn)
}

// fsStepText is fsStep for a step that is not an instruction (a named
// build context's files); text is its history entry. The work behind a
// key runs once among the platforms of a several-platform build
// (b.steps): the others take the layer it made (stepshare.go).
func (st *stageState) fsStepText(text string, keyParts []string, fn func(root string) (changed bool, err error)) error {
	keyParts = st.stepParts(keyParts)
	parent := st.key
	key := chainKey(parent, keyParts...)
	if st.cached(key) {
		st.detail = nil
		st.addHistoryText(text, false)
		if len(st.pending) == 0 {
			st.share(st.top, key, parent)
		}
		return nil
	}
	if err := st.notCached(); err != nil {
		return err
	}
	return st.shareStep(text, parent, key, func() (stepOutcome, error) {
		return st.runStep(parent, key, keyParts, fn)
	})
}

// runStep runs fn on a new working layer stacked on the stage's top and
// seals it under key, unless fn changed nothing.
func (st *stageState) runStep(parent, key string, keyParts []string, fn func(root string) (bool, error)) (stepOutcome, error) {
	out := st.outcome()
	if err := st.materialize(); err != nil {
		return out, err
	}
	inputs := st.missInputs(keyParts)
	st.explainMiss(parent, inputs)
	opts := st.cacheOptions(false)
	id, err := st.b.store.NewLayer(st.top, opts...)
	if err != nil {
		return out, err
	}
	st.b.track(id)
	root, err := st.b.store.Mount(id)
	if err != nil {
		return out, err
	}
	changed, err := st.b.whileRetiring(func() (bool, error) { return fn(root) })
	if uerr := st.b.store.Unmount(id); err == nil && uerr != nil {
		err = uerr
	}
	if err == nil && changed {
		err = st.b.rewriteTimes(id)
	}
	if err != nil || !changed {
		return out, err
	}
	entry, err := st.b.store.RecordCache(id, key, opts...)
	if err != nil {
		return out, err
	}
	if err := st.b.store.RecordInputs(parent, key, inputs); err != nil {
		logrus.Debugf("%v", err) // only --explain-cache would miss it
	}
	st.b.settle(id, entry)
	out.layer, out.changed = entry, true
	return out, nil
}

// expand expands one Dockerfile word against the ARGs and ENV in scope.
func (st *stageState) expand(word string) (string, error) {
	r, _, err := st.lex.ProcessWord(word, st.args.env(st.cfg.Config.Env))
	return r, err
}

// cloneSpec deep-copies the parts of a config a stage mutates, so stages
// built on the same base never share maps or slices.
func cloneSpec(in layers.ImageSpec) layers.ImageSpec {
	out := in
	c := &out.Config
	c.Env = append([]string(nil), in.Config.Env...)
	c.Cmd = append([]string(nil), in.Config.Cmd...)
	c.Entrypoint = append([]string(nil), in.Config.Entrypoint...)
	c.OnBuild = append([]string(nil), in.Config.OnBuild...)
	c.Shell = append([]string(nil), in.Config.Shell...)
	c.Labels = cloneMap(in.Config.Labels)
	c.ExposedPorts = cloneMap(in.Config.ExposedPorts)
	c.Volumes = cloneMap(in.Config.Volumes)
	out.History = append([]ocispec.History(nil), in.History...)
	out.RootFS.DiffIDs = append(out.RootFS.DiffIDs[:0:0], in.RootFS.DiffIDs...)
	if in.Config.Healthcheck != nil {
		h := *in.Config.Healthcheck
		out.Config.Healthcheck = &h
	}
	return out
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
