package stages

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// builtinFrontends are the frontend images whose Dockerfile syntax is the
// one stagebox's parser (BuildKit's own) reads: naming one in `# syntax=`
// changes nothing, as with BuildKit's default frontend.
var builtinFrontends = []string{"docker/dockerfile", "docker.io/docker/dockerfile",
	"docker/dockerfile-upstream", "docker.io/docker/dockerfile-upstream"}

// directives reads the `# syntax=` and `# check=` parser directives. A
// syntax naming another frontend image earns one warning (stagebox never
// runs frontend images: its built-in one is used); a malformed check
// fails at its line, as in BuildKit (stagebox has no lint rules of its own
// yet, so a valid one changes nothing).
func directives(file string, content []byte) (warning string, err error) {
	if ref, _, rng, ok := parser.DetectSyntax(content); ok && !isBuiltinFrontend(ref) {
		warning = fmt.Sprintf("%s:%d: # syntax=%s: stagebox does not run frontend images; its built-in Dockerfile frontend is used", file, rangeLine(rng), ref)
	}
	if v, _, rng, ok := parser.ParseDirective("check", content); ok {
		if _, err = linter.ParseLintOptions(v); err != nil {
			return "", &Error{File: file, Line: rangeLine(rng), Err: fmt.Errorf("# check=%s: %v (want skip=RULE,...|all;error=true|false)", v, err)}
		}
	}
	return warning, nil
}

// isBuiltinFrontend reports whether ref names BuildKit's Dockerfile
// frontend, at any tag or digest.
func isBuiltinFrontend(ref string) bool {
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name = name[:i]
	}
	for _, b := range builtinFrontends {
		if name == b {
			return true
		}
	}
	return false
}

func rangeLine(rng []parser.Range) int {
	if len(rng) == 0 {
		return 1
	}
	return rng[0].Start.Line
}

// readDirectives checks the directives and notes their warnings in p.
func (p *Plan) readDirectives(content []byte) error {
	warning, err := directives(p.File, content)
	if err != nil {
		return err
	}
	if warning != "" {
		p.Warnings = append(p.Warnings, warning)
	}
	return nil
}
