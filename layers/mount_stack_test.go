package layers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A deep stack (its lower directories no longer fit in one page of mount
// options) is mounted here, not by storage, and shows every layer's files.
func TestDeepStackMountsWithoutStorage(t *testing.T) {
	st := testStore(t)
	if st.stack.off != nil {
		t.Skipf("the own mount path is off for this store: %v", st.stack.off)
	}
	top := ""
	for i := 0; i < 60; i++ { // 60 × ~100 bytes of paths: past a 4 KiB page
		top = writeRecordedLayer(t, st, top, func(root string) {
			must(t, os.WriteFile(filepath.Join(root, fmt.Sprintf("f%d", i)), []byte("x"), 0o644))
		})
	}
	id, err := st.NewLayer(top)
	must(t, err)
	defer st.DeleteLayer(id)
	root, err := st.Mount(id)
	must(t, err)
	if st.stack.off != nil {
		t.Fatalf("the kernel refused the new mount API here: %v", st.stack.off)
	}
	for _, f := range []string{"f0", "f30", "f59"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("layer file %s not seen in the mounted stack: %v", f, err)
		}
	}
	l, err := st.Storage().Layer(id)
	must(t, err)
	if l.MountCount != 0 {
		t.Errorf("storage counts %d mounts of the layer: it was mounted by storage, not here", l.MountCount)
	}
	if !mounted(t, root) {
		t.Fatalf("%s is not a mount point", root)
	}
	must(t, st.Unmount(id))
	if mounted(t, root) {
		t.Errorf("%s is still mounted after Unmount", root)
	}
}

// A store whose overlay options storage must apply mounts through storage.
func TestStackMountLeavesConfiguredStoresToStorage(t *testing.T) {
	m := newStackMounter(testStore(t).Storage(), []string{"overlay.mountopt=nodev"}, false)
	m.own("x")
	if _, ok := m.mount("x"); ok {
		t.Fatal("a store with overlay.mountopt was mounted outside storage")
	}
}

func mounted(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	must(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}
