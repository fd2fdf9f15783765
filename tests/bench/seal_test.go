package bench

import (
	"testing"

	"github.com/stagebox/stagebox/unpack"
)

// BenchmarkRecordTree is the sealing cost of a big step: RecordCache of a
// layer holding the bigcopy tree (see tree), which measures its diff once
// (tar, sha256, tar-split) and moves its files into the sealed layer.
func BenchmarkRecordTree(b *testing.B) {
	st, top := busyboxStore(b)
	src, size := sharedTree(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		id, root := mountedLayer(b, st, top)
		if err := unpack.Copy(unpack.CopySpec{SrcRoot: src, Sources: []string{"/data"}, DstRoot: root, Dest: "/data"}); err != nil {
			b.Fatal(err)
		}
		if err := st.Unmount(id); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := st.RecordCache(id, "bench-"+id); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportMaxRSS(b)
}
