package stages

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostFile is a file outside any build context, standing in for
// /etc/shadow.
func hostFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(p, []byte("root:$y$secret-hash:19000::::::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContextDockerfileSymlinkedOutsideIsNotRead(t *testing.T) {
	secret := hostFile(t)
	for name, target := range map[string]string{
		"absolute": secret,
		"climbing": "../../../../../../../.." + secret,
	} {
		ctx := t.TempDir()
		if err := os.Symlink(target, filepath.Join(ctx, "Dockerfile")); err != nil {
			t.Fatal(err)
		}
		for _, flag := range []string{"", filepath.Join(ctx, "Dockerfile")} {
			_, data, err := readDockerfile(Options{ContextDir: ctx, Dockerfile: flag})
			if err == nil || strings.Contains(err.Error(), "secret-hash") || len(data) > 0 {
				t.Errorf("%s symlink, -f %q: read %q, %v; want it refused without the host file", name, flag, data, err)
			}
		}
	}
}

// TestDockerfileOutsideTheContextIsReadAsGiven: -f naming a file outside
// the context is the operator's own file (docker and buildah allow it).
func TestDockerfileOutsideTheContextIsReadAsGiven(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "build.Dockerfile")
	if err := os.WriteFile(outside, []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, data, err := readDockerfile(Options{ContextDir: t.TempDir(), Dockerfile: outside})
	if err != nil || string(data) != "FROM scratch\n" {
		t.Errorf("got %q, %v", data, err)
	}
}

func TestDockerfileFifoInTheContextFails(t *testing.T) {
	ctx := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(ctx, "Dockerfile"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := within(t, func() error { _, _, err := readDockerfile(Options{ContextDir: ctx}); return err }); err == nil {
		t.Error("a fifo Dockerfile was accepted")
	}
}

// TestEndlessDockerfileIsRefused: -f /dev/zero must not read forever.
func TestEndlessDockerfileIsRefused(t *testing.T) {
	ctx := t.TempDir()
	err := within(t, func() error {
		_, _, err := readDockerfile(Options{ContextDir: ctx, Dockerfile: "/dev/zero"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("-f /dev/zero: %v, want a size refusal", err)
	}
}

func TestContextThatIsNotADirectoryIsNamed(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		file:                 "is not a directory",
		file + "-missing":    "no such file",
		filepath.Dir(file):   "",
		"/proc/self/fd/9999": "no such file",
	} {
		err := checkContext(dir)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("context %s: %v, want %q", dir, err, want)
		}
	}
}

// within runs fn, failing the test if it has not returned after 10s (a
// regression here blocks forever rather than erring).
func within(t *testing.T, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("still running after 10s")
		return nil
	}
}
