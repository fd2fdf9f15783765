package stages

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

func strp(s string) *string { return &s }

func TestArgScopeBuildArgWinsOverDefault(t *testing.T) {
	b := newBuildArgs(map[string]string{"A": "cli", "UNUSED": "x", "HTTP_PROXY": "p"})
	a := newArgScope(b, map[string]string{"G": "global"})
	lex := shell.NewLex('\\')
	exp := func(w string) (string, error) { r, _, err := lex.ProcessWord(w, a.env(nil)); return r, err }
	for _, kv := range []instructions.KeyValuePairOptional{
		{Key: "A", Value: strp("default")}, {Key: "B", Value: strp("$A-b")}, {Key: "G"}, {Key: "NONE"},
	} {
		if err := a.declare(kv, exp); err != nil {
			t.Fatal(err)
		}
	}
	env := strings.Join(a.runEnv([]string{"B=from-env"}), " ")
	for _, want := range []string{"A=cli", "B=from-env", "G=global", "HTTP_PROXY=p"} {
		if !strings.Contains(env, want) {
			t.Errorf("run env %q lacks %q", env, want)
		}
	}
	if strings.Contains(env, "NONE") || strings.Count(env, "B=") != 1 {
		t.Errorf("run env %q: undeclared or shadowed ARG leaked", env)
	}
	if got, _, _ := lex.ProcessWord("$B", a.env(nil)); got != "cli-b" {
		t.Errorf("B expanded to %q, want cli-b", got)
	}
	if u := b.unused(); len(u) != 1 || u[0] != "UNUSED" {
		t.Errorf("unused = %v", u)
	}
}

func TestArgNotVisibleUntilDeclared(t *testing.T) {
	a := newArgScope(newBuildArgs(map[string]string{"X": "1"}), nil)
	if got, _, _ := shell.NewLex('\\').ProcessWord("[$X]", a.env(nil)); got != "[]" {
		t.Fatalf("undeclared ARG expanded to %q", got)
	}
}

// TestExpandingAWordCostsNothingPerEnvEntry: a Dockerfile of n ENV lines
// expands O(n) words; building the whole environment for each made it
// O(n²) (10,000 ENV lines took 12 s).
func TestExpandingAWordCostsNothingPerEnvEntry(t *testing.T) {
	a := newArgScope(newBuildArgs(nil), nil)
	config := make([]string, 10000)
	for i := range config {
		config[i] = "E" + strings.Repeat("x", i%7) + "=v"
	}
	config = append(config, "LAST=found")
	lex := shell.NewLex('\\')
	allocs := testing.AllocsPerRun(20, func() {
		lex.ProcessWord("plain", a.env(config))
	})
	if allocs > 20 {
		t.Errorf("expanding a word without variables allocates %.0f times with 10,000 ENV entries", allocs)
	}
	if got, _, err := lex.ProcessWord("$LAST", a.env(config)); err != nil || got != "found" {
		t.Errorf("$LAST = %q, %v", got, err)
	}
}
