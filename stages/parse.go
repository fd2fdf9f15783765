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
	Warnings []string // one line each, printed before the build starts
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

// maxLineSize is the longest line BuildKit's parser reads (its scanner's
// buffer, less the newline).
const maxLineSize = 65535

// longLine is the 1-based number of the first line BuildKit's parser
// cannot read, or 0. The parser reports such a line as line 1 whatever its
// place.
func longLine(content []byte) int {
	for n := 1; len(content) > 0; n++ {
		end := bytes.IndexByte(content, '\n')
		if end < 0 {
			end = len(content)
		}
		if end >= maxLineSize {
			return n
		}
		content = content[min(end+1, len(content)):]
	}
	return 0
}

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
		if line := longLine(content); line > 0 && strings.Contains(err.Error(), "line greater than max allowed size") {
			return nil, &Error{File: file, Line: line, Err: fmt.Errorf("line is longer than %d bytes", maxLineSize)}
		}
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
	if err := p.readDirectives(content); err != nil {
		return nil, err
	}
	for i := range stages {
		s := stages[i]
		for _, c := range s.Commands {
			if err := checkExecForm(c); err != nil {
				return nil, at(file, c, err)
			}
		}
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

// checkExecForm refuses a command line that starts like a JSON exec form
// but is not valid JSON. BuildKit quietly runs such a line as shell form,
// which turns a typo into a confusing "not found" at run time; a line
// starting with `["` is never a sensible shell command, so say so here.
func checkExecForm(c instructions.Command) error {
	var line instructions.ShellDependantCmdLine
	switch x := c.(type) {
	case *instructions.RunCommand:
		line = x.ShellDependantCmdLine
	case *instructions.CmdCommand:
		line = x.ShellDependantCmdLine
	case *instructions.EntrypointCommand:
		line = x.ShellDependantCmdLine
	default:
		return nil
	}
	if line.PrependShell && len(line.CmdLine) == 1 && strings.HasPrefix(strings.TrimSpace(line.CmdLine[0]), `["`) {
		return fmt.Errorf("malformed JSON in exec form: %s (write a valid JSON array of strings, or drop the brackets for shell form)", excerpt(strings.TrimSpace(line.CmdLine[0])))
	}
	return nil
}
