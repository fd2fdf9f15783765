package layers

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// dated is a one-layer config whose dates are t, as a build made at t.
func dated(env string, t time.Time) ImageSpec {
	var cfg ImageSpec
	cfg.Config.Env = []string{env}
	cfg.History = []ocispec.History{{Created: &t, CreatedBy: "RUN x"}, {Created: &t, CreatedBy: "ENV " + env, EmptyLayer: true}}
	return cfg
}

func TestReuseDatesKeepsTheIDOfAnImageThatDiffersOnlyInDates(t *testing.T) {
	for _, driver := range []string{"overlay", "vfs"} {
		t.Run(driver, func(t *testing.T) {
			st := testStoreWith(t, driver)
			ctx := context.Background()
			layer := writeLayer(t, st, "", func(root string) {
				must(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
			})
			then, now := time.Unix(1700000000, 0).UTC(), time.Now().UTC()
			first, err := st.Commit(ctx, layer, dated("A=1", then), []string{"app"}, ReuseDates())
			must(t, err)
			again, err := st.Commit(ctx, layer, dated("A=1", now), []string{"app"}, ReuseDates())
			must(t, err)
			if again != first {
				t.Errorf("the same config dated later gave image %s, want %s", again, first)
			}
			changed, err := st.Commit(ctx, layer, dated("A=2", now), []string{"app"}, ReuseDates())
			must(t, err)
			if changed == first {
				t.Fatalf("a changed config kept the ID %s", first)
			}
			if _, err := st.Image(first); err == nil {
				t.Errorf("the image that lost its name to %s is still stored", changed)
			}
			fixed, err := st.Commit(ctx, layer, dated("A=2", now.Add(time.Hour)), []string{"app"})
			must(t, err)
			if fixed == changed {
				t.Errorf("without ReuseDates a new date must give a new image")
			}
		})
	}
}

func TestMovedNameLeavesADanglingImageOnlyWhenUsed(t *testing.T) {
	st := testStore(t)
	ctx := context.Background()
	base := writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "base"), []byte("b"), 0o644))
	})
	old, err := st.Commit(ctx, base, withHistory(ImageSpec{}, 1), []string{"base"})
	must(t, err)
	img, err := st.Image(old)
	must(t, err)
	child := writeLayer(t, st, img.TopLayer, func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "child"), []byte("c"), 0o644))
	})
	_, err = st.Commit(ctx, child, withHistory(ImageSpec{}, 2), []string{"child"})
	must(t, err)
	other := writeLayer(t, st, "", func(root string) {
		must(t, os.WriteFile(filepath.Join(root, "base"), []byte("v2"), 0o644))
	})
	_, err = st.Commit(ctx, other, withHistory(ImageSpec{}, 1), []string{"base"})
	must(t, err)
	kept, err := st.Image(old)
	if err != nil || !Dangling(*kept) || !st.InUse(old) {
		t.Fatalf("the old base (child stands on it) = %+v, %v; want it kept, dangling and in use", kept, err)
	}
	if removed, err := st.PruneImages(); err != nil || len(removed) != 0 {
		t.Errorf("PruneImages removed %q (%v) while child stands on the old base", removed, err)
	}
	if _, err := st.Remove("child", false); err != nil {
		t.Fatal(err)
	}
	if removed, err := st.PruneImages(); err != nil || len(removed) != 1 || removed[0] != old {
		t.Errorf("PruneImages = %q, %v; want the old base %s", removed, err, old)
	}
}
