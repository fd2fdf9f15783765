package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/layers"
)

// BenchmarkCommit commits a chain of N small layers on busybox, recorded
// in the cache as a build's steps are: "new" layers were never committed
// before (a cold build), "again" commits the same chain once more with a
// new creation time (a fully cached rebuild). "unrecorded" layers were
// never recorded, so storage does not know their tars (the commit path of
// vfs stores and of cache entries made before layers were sealed).
func BenchmarkCommit(b *testing.B) {
	for _, n := range []int{1, 10, 30} {
		b.Run(fmt.Sprintf("new-%d", n), func(b *testing.B) { benchCommit(b, n, false, true) })
		b.Run(fmt.Sprintf("again-%d", n), func(b *testing.B) { benchCommit(b, n, true, true) })
		b.Run(fmt.Sprintf("unrecorded-%d", n), func(b *testing.B) { benchCommit(b, n, false, false) })
	}
}

func benchCommit(b *testing.B, n int, again, record bool) {
	st, base := busyboxStore(b)
	baseImg, err := st.Image(busyboxID(b, st))
	if err != nil {
		b.Fatal(err)
	}
	top := ""
	if again {
		top = smallChain(b, st, base, n, record)
		commitChain(b, st, top, baseImg.Config, n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !again {
			b.StopTimer()
			top = smallChain(b, st, base, n, record)
			b.StartTimer()
		}
		commitChain(b, st, top, baseImg.Config, n)
	}
	b.StopTimer()
	reportMaxRSS(b)
}

// smallChain stacks n layers of one small file each on base, each
// recorded in the cache when record is set.
func smallChain(b *testing.B, st *layers.Store, base string, n int, record bool) string {
	b.Helper()
	top := base
	for i := 0; i < n; i++ {
		id, root := mountedLayer(b, st, top)
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("f%d", i)), []byte(id), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := st.Unmount(id); err != nil {
			b.Fatal(err)
		}
		top = id
		if record {
			var err error
			if top, err = st.RecordCache(id, "bench-"+id); err != nil {
				b.Fatal(err)
			}
			if top != id {
				if err := st.DeleteLayer(id); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return top
}

func commitChain(b *testing.B, st *layers.Store, top string, base layers.ImageSpec, n int) {
	b.Helper()
	cfg := base
	cfg.Created = nil // a new creation time, so a new image
	cfg.History = append([]ocispec.History(nil), base.History...)
	for i := 0; i < n; i++ {
		cfg.History = append(cfg.History, ocispec.History{CreatedBy: fmt.Sprintf("RUN step %d", i)})
	}
	if _, err := st.Commit(context.Background(), top, cfg, []string{"bench"}); err != nil {
		b.Fatal(err)
	}
}

func busyboxID(b *testing.B, st *layers.Store) string {
	b.Helper()
	imgs, err := st.Images()
	if err != nil || len(imgs) == 0 {
		b.Fatalf("no busybox image in the store: %v", err)
	}
	return imgs[0].ID
}
