package stages

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// node is a stage with its references resolved: what it starts from and
// which earlier stages it reads (COPY --from, RUN --mount from).
type node struct {
	stage     *Stage
	base      string // expanded FROM argument (image reference or "scratch")
	baseStage *Stage // set when FROM names an earlier stage
	copyFrom  map[string]*Stage
	deps      []*Stage
	refusal   error // what stagebox refuses in the FROM line (an unsupported --platform)
	// FROM --platform, expanded ("" when not given), and the platform the
	// stage runs for (platform.go).
	fromPlatform string
	platform     ocispec.Platform

	// --build-context (named build contexts)
	context     *namedContext // replaces this stage, which runs nothing of its own
	baseContext *namedContext // FROM names this context
}

// graph resolves every stage's FROM and --from references. A reference to a
// stage defined later (or to itself) is a cycle: stages may only look back.
func (p *Plan) graph(global map[string]string, lex *shell.Lex) (map[*Stage]*node, error) {
	nodes := map[*Stage]*node{}
	env := shell.EnvsFromSlice(envList(global))
	for _, s := range p.Stages {
		n := &node{stage: s, copyFrom: map[string]*Stage{}}
		base, _, err := lex.ProcessWord(s.Base, env)
		if err != nil {
			return nil, &Error{File: p.File, Line: s.Line, Instruction: "FROM", Err: err}
		}
		if base == "" {
			return nil, &Error{File: p.File, Line: s.Line, Instruction: "FROM", Err: fmt.Errorf("base name %q expands to an empty string", s.Base)}
		}
		if n.fromPlatform, _, err = lex.ProcessWord(s.Platform, env); err != nil {
			return nil, &Error{File: p.File, Line: s.Line, Instruction: "FROM", Err: err}
		}
		n.base = base
		if bs, ok := p.lookupName(base, s.Index); ok {
			n.baseStage = bs
			n.deps = append(n.deps, bs)
		} else if err := p.checkForward(base, s.Index); err != nil {
			return nil, &Error{File: p.File, Line: s.Line, Instruction: "FROM", Err: err}
		}
		for _, cmd := range s.Commands {
			if err := p.addCopyFrom(n, cmd, lex, env); err != nil {
				return nil, err
			}
		}
		nodes[s] = n
	}
	return nodes, nil
}

func (p *Plan) addCopyFrom(n *node, cmd instructions.Command, lex *shell.Lex, env shell.EnvGetter) error {
	for _, raw := range fromRefs(cmd) {
		from, _, err := lex.ProcessWord(raw, env)
		if err != nil {
			return at(p.File, cmd, err)
		}
		if src, ok := p.lookup(from, n.stage.Index); ok {
			n.copyFrom[raw] = src
			n.deps = append(n.deps, src)
			continue
		}
		if err := p.checkForward(from, n.stage.Index); err != nil {
			return at(p.File, cmd, err)
		}
	}
	return nil
}

// fromRefs are the other stages or images cmd reads: COPY --from and the
// from= of RUN --mount (which BuildKit's parser reads before expansion).
func fromRefs(cmd instructions.Command) []string {
	switch c := cmd.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			return []string{c.From}
		}
	case *instructions.RunCommand:
		var refs []string
		for _, m := range instructions.GetMounts(c) {
			if m.From != "" {
				refs = append(refs, m.From)
			}
		}
		return refs
	}
	return nil
}

// lookupName finds an earlier stage by name only: FROM takes names, not
// indexes (FROM 0 would be an image called "0").
func (p *Plan) lookupName(ref string, before int) (*Stage, bool) {
	for _, s := range p.Stages[:before] {
		if s.Name != "" && strings.EqualFold(s.Name, ref) {
			return s, true
		}
	}
	return nil, false
}

// checkForward reports a reference to the current or a later stage.
func (p *Plan) checkForward(ref string, index int) error {
	for _, s := range p.Stages[index:] {
		if s.Name != "" && strings.EqualFold(s.Name, ref) {
			return fmt.Errorf("stage %q refers to stage %q, which is not defined before it: circular dependency", p.Stages[index].Label(), s.Label())
		}
	}
	return nil
}

// target picks the stage to commit: --target by name (or index), else the last.
func (p *Plan) target(name string) (*Stage, error) {
	if name == "" {
		return p.Stages[len(p.Stages)-1], nil
	}
	if s, ok := p.lookup(name, len(p.Stages)); ok {
		return s, nil
	}
	return nil, &Error{File: p.File, Err: fmt.Errorf("--target %q: no stage with that name in the Dockerfile", name)}
}

// needed lists the stages the target depends on, dependencies first; other
// stages are never run.
func needed(nodes map[*Stage]*node, target *Stage) []*Stage {
	seen := map[*Stage]bool{}
	var order []*Stage
	var visit func(s *Stage)
	visit = func(s *Stage) {
		if seen[s] {
			return
		}
		seen[s] = true
		for _, d := range nodes[s].deps {
			visit(d)
		}
		order = append(order, s)
	}
	visit(target)
	return order
}

func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}
