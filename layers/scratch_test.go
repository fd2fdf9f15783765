package layers

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// plantArea makes the scratch area a stagebox process leaves when it dies
// holding working layers, and returns its lock file.
func plantArea(t *testing.T, st *Store, token string, layerIDs ...string) string {
	t.Helper()
	dir := filepath.Join(st.store.GraphRoot(), scratchDirName, token)
	must(t, os.MkdirAll(filepath.Join(dir, "tmp"), 0o700))
	journal := ""
	for _, id := range layerIDs {
		journal += id + "\n"
	}
	must(t, os.WriteFile(filepath.Join(dir, "layers"), []byte(journal), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "tmp", "half-written-diff"), make([]byte, 4096), 0o600))
	lock := dir + ".lock"
	must(t, os.WriteFile(lock, nil, 0o600))
	return lock
}

// workingLayer is a layer as a build makes it, without journaling it in
// this process's own area (the test plays the dead process).
func workingLayer(t *testing.T, st *Store, parent string) string {
	t.Helper()
	l, err := st.store.CreateLayer("", parent, nil, "", true, nil)
	must(t, err)
	return l.ID
}

func TestAbandonedWorkingLayersAreDeletedByTheNextOpen(t *testing.T) {
	st := testStore(t)
	kept := workingLayer(t, st, "")
	must(t, st.store.AddNames(kept, []string{cachePrefix + "k"}))
	lost := workingLayer(t, st, kept)
	_, err := st.Mount(lost) // the dead build had it mounted
	must(t, err)
	lock := plantArea(t, st, "dead", lost, kept)

	st.scratch.reapAbandoned(st.store)
	if _, err := st.store.Layer(lost); !errors.Is(err, storage.ErrLayerUnknown) {
		t.Errorf("the abandoned working layer is still there: %v", err)
	}
	if _, err := st.store.Layer(kept); err != nil {
		t.Errorf("the cache entry it had recorded was deleted: %v", err)
	}
	for _, p := range []string{lock, filepath.Dir(lock) + "/dead"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is left behind: %v", p, err)
		}
	}
}

func TestLiveBuildsWorkingLayersAreLeftAlone(t *testing.T) {
	st := testStore(t)
	live := workingLayer(t, st, "")
	lock := plantArea(t, st, "live", live)
	f, err := os.Open(lock)
	must(t, err)
	defer f.Close()
	must(t, unix.Flock(int(f.Fd()), unix.LOCK_EX)) // its owner is alive

	st.scratch.reapAbandoned(st.store)
	if _, err := st.store.Layer(live); err != nil {
		t.Errorf("a live build's working layer was deleted: %v", err)
	}
}

func TestOwnScratchAreaGoesAtShutdown(t *testing.T) {
	st := testStore(t)
	id, err := st.NewLayer("")
	must(t, err)
	tmp, err := st.tempDir()
	must(t, err)
	must(t, st.DeleteLayer(id))
	st.scratch.close(st.store)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the scratch area outlived its process: %v", err)
	}
}

// TestDeleteLayerOnAFullDisk: the layer that filled the disk must still be
// deletable, or the store stays full for good.
func TestDeleteLayerOnAFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	must(t, os.Mkdir(root, 0o700))
	must(t, unix.Mount("tmpfs", root, "tmpfs", 0, "size=8m"))
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	st, err := Open(Options{Root: root, RunRoot: filepath.Join(dir, "run"), Driver: "overlay"})
	must(t, err)
	t.Cleanup(st.Shutdown)
	id, err := st.NewLayer("")
	must(t, err)
	mnt, err := st.Mount(id)
	must(t, err)
	f, err := os.Create(filepath.Join(mnt, "fill"))
	must(t, err)
	for _, err = f.Write(make([]byte, 1<<20)); err == nil; _, err = f.Write(make([]byte, 1<<20)) {
	}
	f.Close()
	if !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("filling the layer: %v, want ENOSPC", err)
	}
	must(t, st.Unmount(id))
	if err := st.DeleteLayer(id); err != nil {
		t.Fatalf("deleting the layer that filled the disk: %v", err)
	}
}

// TestLayersOfAnInterruptedCommitAreDeleted: the copy path of a commit
// writes each diff as a new layer; stopped before the image exists, those
// layers are used by nothing. The journal names them by diff.
func TestLayersOfAnInterruptedCommitAreDeleted(t *testing.T) {
	st := testStore(t)
	diff := tarOf(t, []entry{{name: "f", mode: 0o644, body: "committed\n"}})
	written, _, err := st.store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(diff))
	must(t, err)
	base := pullBase(t, st) // an image whose own layer must survive
	img, err := st.Image(base)
	must(t, err)
	baseLayer, err := st.store.Layer(img.TopLayer)
	must(t, err)
	plantArea(t, st, "dead",
		commitPrefix+written.UncompressedDigest.String(),
		commitPrefix+baseLayer.UncompressedDigest.String())

	st.scratch.reapAbandoned(st.store)
	if _, err := st.store.Layer(written.ID); !errors.Is(err, storage.ErrLayerUnknown) {
		t.Errorf("the interrupted commit's layer is still there: %v", err)
	}
	if _, err := st.store.Layer(baseLayer.ID); err != nil {
		t.Errorf("a layer an image uses was deleted: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(st.store.GraphRoot(), scratchDirName, "*")); len(left) > 0 {
		t.Errorf("the area is left although nothing more can go: %v", left)
	}
}

// A dead build's working layer whose volatile record a crash lost leaves
// only its directory: the reaper removes it, while a live build's own
// journal of layers it deleted costs no look at the driver.
func TestReaperRemovesLayersWhoseRecordWasLost(t *testing.T) {
	st := testStore(t)
	const lost = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	dir := filepath.Join(st.store.GraphRoot(), "overlay", lost)
	must(t, os.MkdirAll(filepath.Join(dir, "diff"), 0o700))
	lock := plantArea(t, st, "deadbeefdeadbeef", lost)
	area := lock[:len(lock)-len(".lock")]
	if !reap(st.store, area, false) {
		t.Fatal("reap of a live build's journal reported a leftover")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("a live build's reap touched a directory with no record: %v", err)
	}
	if !reap(st.store, area, true) {
		t.Fatal("reap of an abandoned journal reported a leftover")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lost layer's directory is still there: %v", err)
	}
}
