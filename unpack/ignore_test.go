package unpack

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLoadIgnorePrecedence(t *testing.T) {
	ctx := t.TempDir()
	df := filepath.Join(ctx, "build", "app.Dockerfile")
	tree(t, ctx, map[string]string{
		".dockerignore":                     "ctx\n",
		"build/app.Dockerfile":              "FROM scratch\n",
		"build/app.Dockerfile.dockerignore": "# comment\nnext-to-dockerfile\n!keep\n",
		"custom.ignore":                     "explicit\n",
	})
	check := func(what string, got []string, err error, want []string) {
		t.Helper()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, %v; want %q", what, got, err, want)
		}
	}
	got, err := LoadIgnore(ctx, df, filepath.Join(ctx, "custom.ignore"))
	check("explicit file", got, err, []string{"explicit"})
	got, err = LoadIgnore(ctx, df, "")
	check("dockerfile-specific", got, err, []string{"next-to-dockerfile", "!keep"})
	got, err = LoadIgnore(ctx, filepath.Join(ctx, "Dockerfile"), "")
	check("context", got, err, []string{"ctx"})
	got, err = LoadIgnore(ctx, "-", "")
	check("stdin Dockerfile", got, err, []string{"ctx"})

	must(t, os.Remove(filepath.Join(ctx, ".dockerignore")))
	got, err = LoadIgnore(ctx, "", "")
	check("none", got, err, nil)
}

func TestLoadIgnoreMissingExplicitFileFails(t *testing.T) {
	if _, err := LoadIgnore(t.TempDir(), "", "/nonexistent/.ignore"); err == nil {
		t.Error("a missing --ignorefile was accepted")
	}
}
