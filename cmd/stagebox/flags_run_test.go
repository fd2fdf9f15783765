package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCommandLineFollowsDockersEntrypointRule(t *testing.T) {
	ep, cmd := []string{"echo", "ep"}, []string{"from-cmd"}
	for _, c := range []struct {
		h     runHabits
		given []string
		want  []string
	}{
		{runHabits{}, nil, []string{"echo", "ep", "from-cmd"}},
		{runHabits{}, []string{"x"}, []string{"echo", "ep", "x"}},
		{runHabits{setEntry: true, entrypoint: []string{"cat"}}, nil, []string{"cat"}},
		{runHabits{setEntry: true}, []string{"pwd"}, []string{"pwd"}},
	} {
		if got := commandLine(ep, cmd, c.h, c.given); !slices.Equal(got, c.want) {
			t.Errorf("%+v %q: got %q, want %q", c.h, c.given, got, c.want)
		}
	}
}

func TestParseVolume(t *testing.T) {
	dir := t.TempDir()
	m, err := parseVolume(dir + ":/data:ro")
	if err != nil || m.Source != dir || m.Destination != "/data" || !m.ReadOnly {
		t.Fatalf("parseVolume = %+v, %v", m, err)
	}
	for _, bad := range []string{"only", dir + ":rel", dir + ":/d:rx", filepath.Join(dir, "missing") + ":/d", ":/d"} {
		if _, err := parseVolume(bad); err == nil {
			t.Errorf("parseVolume(%q) accepted it", bad)
		}
	}
}

func TestReadEnvFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(f, []byte("# c\n\nA=1\nB=x=y\nRUNIT_FROM_ENV\nRUNIT_UNSET\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RUNIT_FROM_ENV", "env-value")
	got, err := readEnvFile(f)
	if want := []string{"A=1", "B=x=y", "RUNIT_FROM_ENV=env-value"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("readEnvFile = %q, %v; want %q", got, err, want)
	}
	if err := os.WriteFile(f, []byte("BAD KEY=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readEnvFile(f); err == nil {
		t.Error("a key with a space was accepted")
	}
}
