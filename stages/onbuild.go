package stages

import (
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// parseTriggers parses a base image's ONBUILD expressions. Docker forbids
// chaining ONBUILD and re-running FROM or MAINTAINER from a trigger.
func parseTriggers(exprs []string) ([]instructions.Command, error) {
	var out []instructions.Command
	for _, e := range exprs {
		res, err := parser.Parse(strings.NewReader(e))
		if err != nil {
			return nil, fmt.Errorf("ONBUILD trigger %q: %w", e, err)
		}
		for _, n := range res.AST.Children {
			switch strings.ToLower(n.Value) {
			case "onbuild", "from", "maintainer":
				return nil, fmt.Errorf("ONBUILD trigger %q: %s is not allowed as an ONBUILD trigger", e, strings.ToUpper(n.Value))
			}
			cmd, err := instructions.ParseCommand(n)
			if err != nil {
				return nil, fmt.Errorf("ONBUILD trigger %q: %w", e, err)
			}
			out = append(out, cmd)
		}
	}
	return out, nil
}

// onbuildError places a failing trigger at the FROM line that pulled it in.
func onbuildError(file string, line int, cmd instructions.Command, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{File: file, Line: line, Instruction: "ONBUILD " + strings.ToUpper(cmd.Name()), Err: err}
}
