package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stagebox/stagebox/unpack"
)

// Memory flat with the number of files (issue 11): digesting and copying
// a context of 10,000 or 100,000 files must need the same heap.

// peakHeap runs f and returns the most heap its objects took meanwhile,
// sampled every 100 µs on top of what was live before f: a sample may miss
// a short peak, never invent one.
func peakHeap(f func()) float64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base, peak := sample[0].Value.Uint64(), uint64(0)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	<-stopped
	return float64(peak-min(peak, base)) / (1 << 20)
}

// filesContext returns the 100,000-file context, or a new one of n files.
func filesContext(b *testing.B, n int) string {
	if n == ctxFiles {
		dir, err := makeBigContext()
		if err != nil {
			b.Fatal(err)
		}
		return dir
	}
	dir := b.TempDir()
	for i := 0; i < n; i++ {
		d := filepath.Join(dir, fmt.Sprintf("d%d", i/1000))
		if i%1000 == 0 {
			if err := os.Mkdir(d, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d", i)), fmt.Appendf(nil, "file %d\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkContextFilesHeap digests (no stat index, then a warm one) and
// copies contexts of 10,000 and 100,000 files, reporting the peak heap of
// each and, with -benchmem, the allocations.
func BenchmarkContextFilesHeap(b *testing.B) {
	for _, n := range []int{10_000, ctxFiles} {
		ctx := filesContext(b, n)
		spec := unpack.CopySpec{SrcRoot: ctx, Sources: []string{"."}, Dest: "/files/", FromContext: true}
		idx := filepath.Join(b.TempDir(), "statindex")
		run := func(name string, f func(b *testing.B)) {
			b.Run(fmt.Sprintf("files=%d/%s", n, name), func(b *testing.B) {
				b.ReportAllocs()
				var peak float64
				for i := 0; i < b.N; i++ {
					peak = max(peak, peakHeap(func() { f(b) }))
				}
				b.ReportMetric(peak, "peak-heap-MiB")
			})
		}
		run("digest", func(b *testing.B) {
			if _, err := unpack.Digest(spec); err != nil {
				b.Fatal(err)
			}
		})
		run("digest-indexed", func(b *testing.B) {
			s := spec
			s.Digests = unpack.OpenStatIndex(idx)
			if _, err := unpack.Digest(s); err != nil {
				b.Fatal(err)
			}
			if err := s.Digests.Save(); err != nil {
				b.Fatal(err)
			}
		})
		run("copy", func(b *testing.B) {
			s := spec
			s.DstRoot = b.TempDir()
			if err := unpack.Copy(s); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSealFilesHeap seals (RecordCache) a layer of 10,000 and of
// 100,000 small files, as a cold COPY of such a context ends, and reports
// the peak heap of the seal alone: the diff's tar, its digest and its
// tar-split, and storage recording the layer.
func BenchmarkSealFilesHeap(b *testing.B) {
	st, top := busyboxStore(b)
	for _, n := range []int{10_000, ctxFiles} {
		ctx := filesContext(b, n)
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var peak float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id, root := mountedLayer(b, st, top)
				spec := unpack.CopySpec{SrcRoot: ctx, Sources: []string{"."}, DstRoot: root, Dest: "/files/", FromContext: true}
				if err := unpack.Copy(spec); err != nil {
					b.Fatal(err)
				}
				if err := st.Unmount(id); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				peak = max(peak, peakHeap(func() {
					if _, err := st.RecordCache(id, "bench-"+id); err != nil {
						b.Fatal(err)
					}
				}))
			}
			b.ReportMetric(peak, "peak-heap-MiB")
		})
	}
}
