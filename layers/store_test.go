package layers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenFallsBackToVFSWhenOverlayFailsUnasked(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (or a user namespace)")
	}
	dir := t.TempDir()
	// An overlay option overlay rejects makes its init fail here.
	opts := Options{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), DriverOptions: []string{"overlay.size=notasize"}}
	st, err := Open(opts)
	if err != nil {
		t.Fatalf("Open without a driver = %v, want a vfs fallback", err)
	}
	defer st.Shutdown()
	if got := st.Storage().GraphDriverName(); got != "vfs" {
		t.Errorf("driver = %s, want vfs", got)
	}

	opts.Root, opts.RunRoot, opts.Driver = filepath.Join(dir, "root2"), filepath.Join(dir, "run2"), "overlay"
	if _, err := Open(opts); err == nil || !strings.Contains(err.Error(), "overlay") {
		t.Errorf("Open with --storage-driver overlay = %v, want the overlay error", err)
	}
}

func TestOpenDefaultsToOverlay(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (or a user namespace)")
	}
	dir := t.TempDir()
	st, err := Open(Options{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Shutdown()
	if got := st.Storage().GraphDriverName(); got != "overlay" {
		t.Errorf("driver = %s, want overlay", got)
	}
}

func TestLayerOnWriteableLayerSeesParentFiles(t *testing.T) {
	st := testStore(t)
	l1 := writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "a"), []byte("1"), 0o644))
	})
	l2 := writeLayer(t, st, l1, func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "b"), []byte("2"), 0o644))
	})
	root, err := st.Mount(l2)
	must(t, err)
	defer st.Unmount(l2)
	for _, name := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(root, name)); err != nil {
			t.Errorf("layer chain rootfs lacks %s: %v", name, err)
		}
	}
	if err := st.DeleteLayer(l1); err == nil {
		t.Errorf("deleting a layer with a child succeeded")
	}
}
