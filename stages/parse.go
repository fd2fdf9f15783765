package stages

import (
	"bytes"
	"errors"
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
	Warnings []string // one line each, naming file and line, for the build to print
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

// longLine finds the first line BuildKit's parser cannot read: its 1-based
// number and length, or 0. The parser itself reports such a line as line 1
// whatever its place, or, for a file that is one long line, as a file with
// no instructions.
func longLine(content []byte) (line, length int) {
	for n := 1; len(content) > 0; n++ {
		end := bytes.IndexByte(content, '\n')
		if end < 0 {
			end = len(content)
		}
		if end > maxLineSize {
			return n, end
		}
		content = content[min(end+1, len(content)):]
	}
	return 0, 0
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
	if line, length := longLine(content); line > 0 {
		return nil, &Error{File: file, Line: line, Err: fmt.Errorf("line is %d bytes long, longer than the %d bytes a Dockerfile line may have: split it with a backslash at the end of each part", length, maxLineSize)}
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
	if err := p.readDirectives(content); err != nil {
		return nil, err
	}
	for i := range stages {
		s := stages[i]
		for _, c := range s.Commands {
			if w := execFormWarning(c); w != "" {
				p.Warnings = append(p.Warnings, at(file, c, errors.New(w)).Error())
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

// execFormWarning is the warning for a command line that starts like a
// JSON exec form but is not valid JSON. Docker and BuildKit run such a
// line in shell form, and so does stagebox, but a line starting with `["`
// is rarely meant as a shell command: say so, in the words of BuildKit's
// JSONArgsRecommended check, rather than leave a typo to a confusing
// "not found" at run time.
func execFormWarning(c instructions.Command) string {
	var line instructions.ShellDependantCmdLine
	switch x := c.(type) {
	case *instructions.RunCommand:
		line = x.ShellDependantCmdLine
	case *instructions.CmdCommand:
		line = x.ShellDependantCmdLine
	case *instructions.EntrypointCommand:
		line = x.ShellDependantCmdLine
	default:
		return ""
	}
	if !line.PrependShell || len(line.CmdLine) != 1 {
		return ""
	}
	// `["` or `['`: an attempt at an array; `[ -f x ]` is a shell test.
	if l := strings.TrimSpace(line.CmdLine[0]); strings.HasPrefix(l, `["`) || strings.HasPrefix(l, `['`) {
		name := strings.ToUpper(c.Name())
		return fmt.Sprintf("JSON arguments recommended for %s to prevent unintended behavior related to OS signals: %s is not a valid JSON array of strings, so it runs in shell form",
			name, excerpt(l))
	}
	return ""
}
