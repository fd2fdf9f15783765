package bench

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stagebox/stagebox/sandbox"
)

// BenchmarkSandboxRunTrue is the fixed cost of one sandboxed process:
// container setup, start, wait and teardown around `true`.
func BenchmarkSandboxRunTrue(b *testing.B) {
	st, top := busyboxStore(b)
	id, root := mountedLayer(b, st, top)
	defer st.Unmount(id)
	state := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runTrue(b, root, filepath.Join(state, "s"))
	}
}

// BenchmarkRunStep is one RUN step end to end as a build does it: a new
// layer on the stage's top, mounted, the process run, unmounted, recorded
// in the cache (sealed) and the emptied working layer dropped; the next
// step stacks on the entry.
func BenchmarkRunStep(b *testing.B) {
	st, top := busyboxStore(b)
	state := b.TempDir()
	p := newPhases()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.start()
		id, err := st.NewLayer(top)
		if err != nil {
			b.Fatal(err)
		}
		p.mark("newlayer")
		root, err := st.Mount(id)
		if err != nil {
			b.Fatal(err)
		}
		p.mark("mount")
		runTrue(b, root, filepath.Join(state, "s"))
		p.mark("run")
		if err := st.Unmount(id); err != nil {
			b.Fatal(err)
		}
		p.mark("unmount")
		entry, err := st.RecordCache(id, "bench-"+id)
		if err != nil {
			b.Fatal(err)
		}
		p.mark("record")
		if entry != id {
			// The build drops the emptied working layer when it ends.
			if err := st.DeleteLayer(id); err != nil {
				b.Fatal(err)
			}
			p.mark("drop")
		}
		top = entry
	}
	p.report(b)
}

func runTrue(b *testing.B, root, stateDir string) {
	status, err := sandbox.Run(context.Background(), sandbox.Process{
		Rootfs: root, Args: []string{"/bin/true"}, StateDir: stateDir,
		Stdout: io.Discard, Stderr: io.Discard,
	})
	if err != nil || status != 0 {
		b.Fatalf("run true: status %d, %v", status, err)
	}
	if _, err := os.Stat(stateDir); err == nil {
		b.Fatalf("state directory %s left behind", stateDir)
	}
}
