package unpack

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
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

// TestLoadIgnoreSymlinkedOutOfTheContextReadsNothing: a context's
// .dockerignore linking to a host file is resolved inside the context, so
// no host file's lines reach patterns (or error messages).
func TestLoadIgnoreSymlinkedOutOfTheContextReadsNothing(t *testing.T) {
	outside := t.TempDir()
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("host-secret-line\n"), 0o644))
	for name, target := range map[string]string{
		"absolute": filepath.Join(outside, "secret"),
		"climbing": "../../../../../../../.." + filepath.Join(outside, "secret"),
	} {
		ctx := t.TempDir()
		must(t, os.Symlink(target, filepath.Join(ctx, ".dockerignore")))
		got, err := LoadIgnore(ctx, filepath.Join(ctx, "Dockerfile"), "")
		if err != nil || len(got) != 0 {
			t.Errorf("%s symlink: got %q, %v; want no patterns", name, got, err)
		}
	}
}

// TestLoadIgnoreFifoFailsInsteadOfHanging: a fifo named .dockerignore
// would block the open forever.
func TestLoadIgnoreFifoFailsInsteadOfHanging(t *testing.T) {
	ctx := t.TempDir()
	must(t, syscall.Mkfifo(filepath.Join(ctx, ".dockerignore"), 0o644))
	done := make(chan error, 1)
	go func() {
		_, err := LoadIgnore(ctx, "", "")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a fifo .dockerignore was accepted")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadIgnore blocked on a fifo .dockerignore")
	}
}
