package bench

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stagebox/stagebox/unpack"
)

// The tree is made once per process: the benchmark functions run more than
// once, and deleting a tree of small files just before making the next one
// slows ext4's inode allocation (it skips inodes freed in the last 30
// seconds), which would be measured instead of the copy.
var (
	treeOnce sync.Once
	treeRoot string
	treeSize int64
)

// sharedTree returns the root holding the bigcopy tree, made on first use.
func sharedTree(b *testing.B) (string, int64) {
	b.Helper()
	treeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stagebox-bench-tree-")
		if err != nil {
			b.Fatal(err)
		}
		scratch = append(scratch, dir)
		treeRoot, treeSize = dir, tree(b, dir)
	})
	if treeRoot == "" {
		b.Fatal("making the tree failed earlier")
	}
	return treeRoot, treeSize
}

// tree writes the bigcopy workload's tree under root/data: BENCH_FILES
// small files (default 2000) and one file of BENCH_BIG_MB MiB (default 32)
// of random bytes. It returns the tree's size in bytes.
func tree(b *testing.B, root string) int64 {
	b.Helper()
	files, bigMB := envInt("BENCH_FILES", 2000), envInt("BENCH_BIG_MB", 32)
	small := filepath.Join(root, "data", "small")
	if err := os.MkdirAll(small, 0o755); err != nil {
		b.Fatal(err)
	}
	var size int64
	for i := 0; i < files; i++ {
		body := []byte(fmt.Sprintf("%d\n", i))
		if err := os.WriteFile(filepath.Join(small, fmt.Sprintf("f%d", i)), body, 0o644); err != nil {
			b.Fatal(err)
		}
		size += int64(len(body))
	}
	f, err := os.Create(filepath.Join(root, "data", "big"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20) // written in chunks: the benchmarks report peak RSS
	for i := 0; i < bigMB; i++ {
		rand.Read(chunk)
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return size + int64(bigMB)<<20
}

// BenchmarkCopyTree is COPY --from of the tree: unpack.Copy from one root
// into a fresh one, as `COPY --from=gen /data /data` does.
func BenchmarkCopyTree(b *testing.B) {
	src, size := sharedTree(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dst, err := os.MkdirTemp("", "stagebox-bench-copy-")
		if err != nil {
			b.Fatal(err)
		}
		scratch = append(scratch, dst) // removed at exit, not between runs
		b.StartTimer()
		spec := unpack.CopySpec{SrcRoot: src, Sources: []string{"/data"}, DstRoot: dst, Dest: "/data"}
		if err := unpack.Copy(spec); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportMaxRSS(b)
}

// BenchmarkDigest is the cache key of COPY of the tree from the build
// context: every file's path, metadata and content hashed.
func BenchmarkDigest(b *testing.B) {
	src, size := sharedTree(b)
	b.SetBytes(size)
	spec := unpack.CopySpec{SrcRoot: src, Sources: []string{"data"}, Dest: "/data", FromContext: true}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := unpack.Digest(spec); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportMaxRSS(b)
}
