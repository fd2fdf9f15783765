package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/stages"
)

// steps30 is compare.sh's 30-RUN workload.
func steps30() string {
	var sb strings.Builder
	sb.WriteString("FROM busybox\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&sb, "RUN echo step%d > /f%d\n", i, i)
	}
	return sb.String()
}

// cachedStore is a store holding busybox (named as the Dockerfile says)
// and one build of dockerfile in a context of its own; it returns the
// options of that build and its image ID.
func cachedStore(b *testing.B, dockerfile string) (*layers.Store, stages.Options, string) {
	st, top := busyboxStore(b)
	imgs, err := st.Images()
	if err != nil || len(imgs) != 1 || top == "" {
		b.Fatalf("busybox store: %v %d images", err, len(imgs))
	}
	if err := st.Tag(imgs[0].ID, "busybox"); err != nil {
		b.Fatal(err)
	}
	ctxDir := b.TempDir()
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		b.Fatal(err)
	}
	o := stages.Options{ContextDir: ctxDir, Tags: []string{"bench"}, Quiet: true, Out: io.Discard, Err: io.Discard}
	id, err := stages.Build(context.Background(), st, o)
	if err != nil {
		b.Fatal(err)
	}
	return st, o, id
}

// BenchmarkCachedRebuild30 is a fully cached rebuild of the 30-RUN
// Dockerfile as bud does it: the cache-only attempt (cache lookups and the
// commit of an image that exists). It fails when a step runs, the image
// ID changes or the image metadata is written.
func BenchmarkCachedRebuild30(b *testing.B) {
	st, o, want := cachedStore(b, steps30())
	n := imageCount(b, st)
	meta := filepath.Join(st.Storage().GraphRoot(), "overlay-images", "images.json")
	before, err := os.Stat(meta)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, ok := stages.TryCached(context.Background(), st, o, nil)
		if !ok || id != want {
			b.Fatalf("cached rebuild: ok=%v id %s, want %s", ok, id, want)
		}
	}
	b.StopTimer()
	if got := imageCount(b, st); got != n {
		b.Fatalf("cached rebuilds left %d images, want %d", got, n)
	}
	if after, err := os.Stat(meta); err != nil || !after.ModTime().Equal(before.ModTime()) {
		b.Fatalf("cached rebuilds rewrote the image metadata (%v)", err)
	}
}

// BenchmarkCachedRebuildMiss is what a build whose last step changed pays
// for trying the cache-only build first: lookups up to the miss.
func BenchmarkCachedRebuildMiss(b *testing.B) {
	st, o, _ := cachedStore(b, steps30())
	changed := strings.Replace(steps30(), "step30", "changed", 1)
	if err := os.WriteFile(filepath.Join(o.ContextDir, "Dockerfile"), []byte(changed), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := stages.TryCached(context.Background(), st, o, nil); ok {
			b.Fatal("a changed step was taken as cached")
		}
	}
}

func imageCount(b *testing.B, st *layers.Store) int {
	b.Helper()
	imgs, err := st.Images()
	if err != nil {
		b.Fatal(err)
	}
	return len(imgs)
}
