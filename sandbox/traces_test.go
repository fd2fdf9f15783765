package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTracesRemovesCreatedEmptyTargetsAndRestoresMtime(t *testing.T) {
	root := t.TempDir()
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(root, old, old); err != nil {
		t.Fatal(err)
	}
	tr := traces{rootfs: root}
	for _, dst := range []string{"/etc/hosts", "/etc/resolv.conf", "/proc"} {
		if err := tr.recordMissing(dst); err != nil {
			t.Fatal(err)
		}
	}
	// What libcontainer does for those targets.
	mustMkdir(t, filepath.Join(root, "etc"))
	mustMkdir(t, filepath.Join(root, "proc"))
	mustWrite(t, filepath.Join(root, "etc", "hosts"), "", 0o644)
	mustWrite(t, filepath.Join(root, "etc", "resolv.conf"), "", 0o644)
	if err := tr.cleanup(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"etc", "proc"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("/%s left behind: %v", p, err)
		}
	}
	st, err := os.Stat(root)
	if err != nil {
		t.Fatal(err)
	}
	if !st.ModTime().Equal(old) {
		t.Errorf("root mtime %v, want %v restored", st.ModTime(), old)
	}
}

func TestTracesKeepsContentTheStepWrote(t *testing.T) {
	root := t.TempDir()
	tr := traces{rootfs: root}
	for _, dst := range []string{"/etc/hosts", "/data"} {
		if err := tr.recordMissing(dst); err != nil {
			t.Fatal(err)
		}
	}
	mustMkdir(t, filepath.Join(root, "etc"))
	mustWrite(t, filepath.Join(root, "etc", "hosts"), "", 0o644)
	mustWrite(t, filepath.Join(root, "etc", "motd"), "hi", 0o644)
	mustWrite(t, filepath.Join(root, "data"), "not empty", 0o644)
	if err := tr.cleanup(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{"etc/hosts": false, "etc/motd": true, "data": true} {
		_, err := os.Lstat(filepath.Join(root, p))
		if exists := err == nil; exists != want {
			t.Errorf("/%s exists=%v, want %v", p, exists, want)
		}
	}
}

func TestTracesFollowSymlinksInsideTheRoot(t *testing.T) {
	root := t.TempDir()
	mustMkdir(t, filepath.Join(root, "private", "etc"))
	if err := os.Symlink("/private/etc", filepath.Join(root, "etc")); err != nil {
		t.Fatal(err)
	}
	tr := traces{rootfs: root}
	if err := tr.recordMissing("/etc/hosts"); err != nil {
		t.Fatal(err)
	}
	if len(tr.chains) != 1 || tr.chains[0].paths[0] != "/private/etc/hosts" || tr.chains[0].parent != "/private/etc" {
		t.Fatalf("chains %+v, want /private/etc/hosts in /private/etc", tr.chains)
	}
}

func TestTracesCleanupStaysInsideTheRoot(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	tr := traces{rootfs: root}
	if err := tr.recordMissing("/a/b"); err != nil {
		t.Fatal(err)
	}
	// The step replaced /a by a symlink to a host directory holding an
	// empty b: cleanup must resolve /a inside the rootfs, not on the host.
	mustWrite(t, filepath.Join(outside, "b"), "", 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "a")); err != nil {
		t.Fatal(err)
	}
	if err := tr.cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(outside, "b")); err != nil {
		t.Fatalf("cleanup removed a file outside the rootfs: %v", err)
	}
}
