package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// parseBud runs bud's flag parsing alone on args.
func parseBud(t *testing.T, env map[string]string, args ...string) (stages.Options, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	cmd := budCommand()
	var o stages.Options
	var err error
	cmd.Action = func(c *cli.Context) error { o, err = budOptions(c); return nil }
	app := &cli.App{Commands: []*cli.Command{cmd}}
	if rerr := app.Run(append([]string{"stagebox", "bud"}, args...)); rerr != nil {
		return o, rerr
	}
	return o, err
}

func TestBuildArgFileUnderBuildArgs(t *testing.T) {
	f := filepath.Join(t.TempDir(), "args")
	if err := os.WriteFile(f, []byte("# comment\nA=file\n\nB=file\nFROMENV\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := parseBud(t, map[string]string{"FROMENV": "env"}, "--build-arg-file", f, "--build-arg", "B=flag")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "file", "B": "flag", "FROMENV": "env"}
	for k, v := range want {
		if o.BuildArgs[k] != v {
			t.Errorf("build arg %s = %q, want %q (all: %v)", k, o.BuildArgs[k], v, o.BuildArgs)
		}
	}
}

func TestSourceDateEpochFromTheEnvironment(t *testing.T) {
	o, err := parseBud(t, map[string]string{"SOURCE_DATE_EPOCH": "42"})
	if err != nil || o.BuildArgs["SOURCE_DATE_EPOCH"] != "42" {
		t.Errorf("SOURCE_DATE_EPOCH=42 in the environment: build args %v, err %v", o.BuildArgs, err)
	}
	o, err = parseBud(t, map[string]string{"SOURCE_DATE_EPOCH": "42"}, "--build-arg", "SOURCE_DATE_EPOCH=7")
	if err != nil || o.BuildArgs["SOURCE_DATE_EPOCH"] != "7" {
		t.Errorf("--build-arg must win over the environment: %v, err %v", o.BuildArgs, err)
	}
	if _, err := parseBud(t, nil, "--source-date-epoch", "soon"); err == nil {
		t.Errorf("a non-numeric --source-date-epoch was accepted")
	}
}

func TestFormatFlagAndIdentityLabel(t *testing.T) {
	o, err := parseBud(t, map[string]string{"BUILDAH_FORMAT": "docker"})
	if err != nil || o.Format != "docker" || o.Labels[identityLabel] == "" {
		t.Errorf("BUILDAH_FORMAT=docker: format %q, labels %v, err %v", o.Format, o.Labels, err)
	}
	o, err = parseBud(t, map[string]string{"BUILDAH_FORMAT": "docker"}, "--format", "oci", "--identity-label=false")
	if err != nil || o.Format != "oci" || len(o.Labels) != 0 {
		t.Errorf("--format oci --identity-label=false: format %q, labels %v, err %v", o.Format, o.Labels, err)
	}
	if _, err := parseBud(t, nil, "--format", "v1"); err == nil {
		t.Errorf("--format v1 was accepted")
	}
}
