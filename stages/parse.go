package stages

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Plan is a parsed Dockerfile: the ARGs before the first FROM and the stages
// in source order.
type Plan struct {
	File     string // the Dockerfile's name as errors show it
	Escape   rune
	MetaArgs []instructions.ArgCommand
	Stages   []*Stage
}

// Stage is one FROM block of the Dockerfile.
type Stage struct {
	Index    int
	Name     string // lower-case (BuildKit lower-cases stage names); "" when unnamed
	Base     string // FROM argument as written (ARG references unexpanded)
	Platform string
	Line     int
	Commands []instructions.Command
}

// maxDockerfileSize bounds what we read: BuildKit's own frontend refuses
// larger files, and a bound keeps a garbage input from exhausting memory.
const maxDockerfileSize = 16 << 20

// ParseDockerfile parses content with BuildKit's parser and instruction
// decoder; file is the name used in error messages.
func ParseDockerfile(file string, content []byte) (*Plan, error) {
	if len(content) > maxDockerfileSize {
		return nil, &Error{File: file, Err: fmt.Errorf("file is larger than %d MiB", maxDockerfileSize>>20)}
	}
	if bytes.IndexByte(content, 0) >= 0 {
		return nil, &Error{File: file, Err: fmt.Errorf("file contains NUL bytes: not a Dockerfile")}
	}
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, parseFailure(file, err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, parseFailure(file, err)
	}
	if len(stages) == 0 {
		return nil, &Error{File: file, Err: fmt.Errorf("no FROM instruction: a Dockerfile must start a stage with FROM")}
	}
	p := &Plan{File: file, Escape: res.EscapeToken, MetaArgs: metaArgs}
	for i := range stages {
		s := stages[i]
		p.Stages = append(p.Stages, &Stage{
			Index:    i,
			Name:     s.Name,
			Base:     s.BaseName,
			Platform: s.Platform,
			Line:     startLine(s.Location),
			Commands: s.Commands,
		})
	}
	return p, nil
}

// lookup finds a stage by name (case-insensitively) or by index, among the
// stages defined before position `before` (a stage can only refer back).
func (p *Plan) lookup(ref string, before int) (*Stage, bool) {
	for _, s := range p.Stages[:before] {
		if s.Name != "" && strings.EqualFold(s.Name, ref) {
			return s, true
		}
	}
	if n, err := strconv.Atoi(ref); err == nil && n >= 0 && n < before {
		return p.Stages[n], true
	}
	return nil, false
}

// Label is how build output names a stage: its name, or its index.
func (s *Stage) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return strconv.Itoa(s.Index)
}
