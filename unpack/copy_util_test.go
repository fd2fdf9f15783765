package unpack

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree writes files into dir: a key ending in "/" is a directory, a value
// starting with "->" is a symlink, anything else is a 0644 file.
func tree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, "/"):
			err := os.MkdirAll(p, 0o755)
			if err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(content, "->"):
			if err := os.Symlink(strings.TrimPrefix(content, "->"), p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// roots returns a fresh context directory and destination root.
func roots(t *testing.T) (ctx, dst string) {
	t.Helper()
	base := t.TempDir()
	ctx, dst = filepath.Join(base, "ctx"), filepath.Join(base, "root")
	for _, d := range []string{ctx, dst} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, dst
}

func mustCopy(t *testing.T, spec CopySpec) {
	t.Helper()
	if err := Copy(spec); err != nil {
		t.Fatalf("Copy: %v", err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	if got := readString(t, path); got != want {
		t.Errorf("%s = %q, want %q", path, got, want)
	}
}

func assertMissing(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists (err=%v), want it absent", path, err)
	}
}

func lstat(t *testing.T, path string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}

func assertOwner(t *testing.T, path string, uid, gid int) {
	t.Helper()
	st := lstat(t, path)
	if int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s owned by %d:%d, want %d:%d", path, st.Uid, st.Gid, uid, gid)
	}
}

func assertMode(t *testing.T, path string, want uint32) {
	t.Helper()
	if got := lstat(t, path).Mode & 0o7777; got != want {
		t.Errorf("%s mode %o, want %o", path, got, want)
	}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create files owned by other users")
	}
}

// tolerateChown lets tests that give files to root run unprivileged.
func tolerateChown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Setenv(chownTolerantEnv, "1")
	}
}

var epoch = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
