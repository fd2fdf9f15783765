package layers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCacheMountPersistsAndIsSeededOnce(t *testing.T) {
	st := testStore(t)
	inits := 0
	init := func(dir string) error {
		inits++
		return os.WriteFile(filepath.Join(dir, "seed"), []byte("s"), 0o644)
	}
	m, err := st.CacheMount(context.Background(), "go-build", SharingShared, init, nil)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(m.Dir, "kept"), []byte("k"), 0o644))
	m.Release()
	again, err := st.CacheMount(context.Background(), "go-build", SharingLocked, init, nil)
	must(t, err)
	defer again.Release()
	if again.Dir != m.Dir || inits != 1 {
		t.Fatalf("second use got %s (first %s), init ran %d times", again.Dir, m.Dir, inits)
	}
	if _, err := os.Stat(filepath.Join(again.Dir, "kept")); err != nil {
		t.Errorf("the first use's file is gone: %v", err)
	}
}

func TestCacheMountPrivateGetsAFreshDirWhenBusy(t *testing.T) {
	st := testStore(t)
	none := func(string) error { return nil }
	held, err := st.CacheMount(context.Background(), "x", SharingLocked, none, nil)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(held.Dir, "f"), nil, 0o644))
	priv, err := st.CacheMount(context.Background(), "x", SharingPrivate, none, nil)
	must(t, err)
	if priv.Dir == held.Dir {
		t.Fatal("a private use shared a busy directory")
	}
	if ents, _ := os.ReadDir(priv.Dir); len(ents) != 0 {
		t.Errorf("the private directory is not fresh: %v", ents)
	}
	priv.Release()
	if _, err := os.Stat(priv.Dir); !os.IsNotExist(err) {
		t.Errorf("the private directory outlived its step: %v", err)
	}
	if n, err := st.PruneCacheMounts(); err != nil || n != 0 {
		t.Errorf("prune removed %d busy cache mounts (%v)", n, err)
	}
	held.Release()
	if size, err := st.CacheMountsSize(); err != nil || size == 0 {
		t.Errorf("CacheMountsSize = %d, %v", size, err)
	}
	if n, err := st.PruneCacheMounts(); err != nil || n != 1 {
		t.Errorf("prune removed %d cache mounts (%v), want 1", n, err)
	}
	if _, err := os.Stat(held.Dir); !os.IsNotExist(err) {
		t.Errorf("a pruned cache mount is still there: %v", err)
	}
}

func TestCacheMountWaitEndsWithTheContext(t *testing.T) {
	st := testStore(t)
	none := func(string) error { return nil }
	held, err := st.CacheMount(context.Background(), "x", SharingLocked, none, nil)
	must(t, err)
	defer held.Release()
	ctx, cancel := context.WithCancel(context.Background())
	waited := false
	_, err = st.CacheMount(ctx, "x", SharingLocked, none, func() { waited = true; cancel() })
	if !waited || !errors.Is(err, context.Canceled) {
		t.Fatalf("a second locked use: waited %v, err %v; want it to wait, then stop when the build is interrupted", waited, err)
	}
}
