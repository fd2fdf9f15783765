package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stagebox/stagebox/stages"
	"github.com/stagebox/stagebox/unpack"
)

// Linear at scale (issue 11): the cost of a step must not grow with the
// number of steps, and a big context is read once, then known by stat.

// BenchmarkBuildSteps builds a Dockerfile of N RUN steps, cold (every step
// runs) and fully cached, and reports the cost per step: at 300 steps it
// must be what it is at 30.
func BenchmarkBuildSteps(b *testing.B) {
	for _, n := range []int{30, 300} {
		for _, cached := range []bool{false, true} {
			name := fmt.Sprintf("steps=%d/cold", n)
			if cached {
				name = fmt.Sprintf("steps=%d/cached", n)
			}
			b.Run(name, func(b *testing.B) { benchSteps(b, n, cached) })
		}
	}
}

func benchSteps(b *testing.B, n int, cached bool) {
	st, id, _ := busyboxImage(b)
	if err := st.Tag(id, "busybox"); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var df strings.Builder
	df.WriteString("FROM busybox\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&df, "RUN echo step%d > /f%d\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	o := stages.Options{ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"), Quiet: true, NoCache: !cached}
	build := func() {
		if _, err := stages.Build(context.Background(), st, o); err != nil {
			b.Fatal(err)
		}
	}
	if cached {
		build() // fills the cache
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		build()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e6, "ms/step")
}

// ctxFiles is the size of the context BenchmarkContextDigest hashes.
const ctxFiles = 100_000

// makeBigContext makes, once per process, a context of ctxFiles small
// files in directories of 1,000.
var makeBigContext = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "stagebox-bench-ctx-")
	if err != nil {
		return "", err
	}
	scratch = append(scratch, dir)
	for i := 0; i < ctxFiles; i++ {
		d := filepath.Join(dir, fmt.Sprintf("d%d", i/1000))
		if i%1000 == 0 {
			if err := os.Mkdir(d, 0o755); err != nil {
				return "", err
			}
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d", i)), []byte(fmt.Sprintf("file %d\n", i)), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
})

// BenchmarkContextDigest digests a 100,000-file context as a COPY's cache
// key does: with no stat index (every file read), with a warm one loaded
// from its file (no file read), and after one file changed (one read, and
// the index saved again).
func BenchmarkContextDigest(b *testing.B) {
	ctx, err := makeBigContext()
	if err != nil {
		b.Fatal(err)
	}
	spec := unpack.CopySpec{SrcRoot: ctx, Sources: []string{"."}, Dest: "/", FromContext: true}
	idx := filepath.Join(b.TempDir(), "statindex")
	digest := func(b *testing.B, x *unpack.StatIndex) {
		spec := spec
		spec.Digests = x
		if _, err := unpack.Digest(spec); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			digest(b, nil)
		}
	})
	warm := unpack.OpenStatIndex(idx)
	digest(b, warm)
	if err := warm.Save(); err != nil {
		b.Fatal(err)
	}
	b.Run("warm", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			x := unpack.OpenStatIndex(idx)
			digest(b, x)
			if x.Misses() != 0 {
				b.Fatalf("%d files read with a warm index", x.Misses())
			}
		}
	})
	one := filepath.Join(ctx, "d50", "f50000")
	b.Run("onefile", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			if err := os.WriteFile(one, []byte(fmt.Sprintf("changed %d\n", i)), 0o644); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			x := unpack.OpenStatIndex(idx)
			digest(b, x)
			if err := x.Save(); err != nil {
				b.Fatal(err)
			}
			if x.Misses() != 1 {
				b.Fatalf("%d files read after one changed", x.Misses())
			}
		}
	})
}
