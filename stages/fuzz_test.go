package stages

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// FuzzDockerfileToPlan drives the path from Dockerfile bytes to the stage
// graph a build schedules: parsing, the ARGs before FROM, FROM and --from
// resolution, the target and the stages it needs. Whatever the input it
// must not panic or hang, must fail with one short line, and a graph it
// accepts must only ever point back to earlier stages (no cycle can
// reach the scheduler). The seed corpus in testdata/fuzz runs with go test.
func FuzzDockerfileToPlan(f *testing.F) {
	f.Add([]byte("FROM busybox AS a\nRUN true\nFROM a\nCOPY --from=a /x /y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		plan, err := ParseDockerfile("Dockerfile", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("parse error %T is not *Error: %v", err, err)
			}
			checkErrorLine(t, err)
			return
		}
		lex := shell.NewLex(plan.Escape)
		global, err := globalArgs(plan.MetaArgs, newBuildArgs(nil), lex)
		if err != nil {
			checkErrorLine(t, &Error{File: plan.File, Instruction: "ARG", Err: err})
			return
		}
		nodes, err := plan.graph(global, lex)
		if err != nil {
			checkErrorLine(t, err)
			return
		}
		target, err := plan.target("")
		if err != nil {
			t.Fatalf("no target in a plan with %d stages: %v", len(plan.Stages), err)
		}
		seen := map[*Stage]bool{}
		for _, s := range needed(nodes, target) {
			for _, d := range nodes[s].deps {
				if d.Index >= s.Index || !seen[d] {
					t.Fatalf("stage %d depends on stage %d, which is not an earlier, already scheduled stage", s.Index, d.Index)
				}
			}
			seen[s] = true
		}
		if !seen[target] {
			t.Fatal("the target stage is not scheduled")
		}
	})
}

// checkErrorLine: a user sees err as one line; it must stay one short,
// printable line whatever the Dockerfile held.
func checkErrorLine(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) || len(msg) > 4096 {
		t.Fatalf("error is not one short line of text: %.500q", msg)
	}
	if !strings.HasPrefix(msg, "Dockerfile") {
		t.Fatalf("error does not name the Dockerfile: %.500q", msg)
	}
}
