package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/tests/fixtures"
	"github.com/stagebox/stagebox/unpack"
)

// busyboxStore opens a private overlay store holding the busybox fixture
// image and returns it with that image's top layer.
func busyboxStore(b *testing.B) (*layers.Store, string) {
	b.Helper()
	st, _, top := busyboxImage(b)
	return st, top
}

// busyboxImage is busyboxStore that also returns the image's ID.
func busyboxImage(b *testing.B) (st *layers.Store, id, top string) {
	b.Helper()
	needRoot(b)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		b.Skip("needs a static busybox at /bin/busybox: apt-get install busybox-static")
	}
	dir := b.TempDir()
	var err error
	st, err = layers.Open(layers.Options{Root: filepath.Join(dir, "root"), RunRoot: runRoot(b), Driver: "overlay"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Shutdown)
	layout := filepath.Join(dir, "busybox")
	if err := fixtures.Busybox(layout); err != nil {
		b.Fatal(err)
	}
	id, err = (&unpack.Puller{Store: st.Storage()}).Pull(context.Background(), "oci:"+layout+":"+fixtures.Tag, unpack.PullMissing)
	if err != nil {
		b.Fatal(err)
	}
	img, err := st.Image(id)
	if err != nil {
		b.Fatal(err)
	}
	return st, id, img.TopLayer
}

// runRoot is a run root on a tmpfs, as storage's defaults are (/run, or
// /run/user/UID): storage syncs its mount bookkeeping there on every mount
// and unmount, which a disk would make slower than builds really are.
func runRoot(b *testing.B) string {
	b.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "stagebox-bench-run-")
	if err != nil {
		return filepath.Join(b.TempDir(), "run")
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// phases accumulates the time spent in each named part of an iteration
// and reports each as ms/op, so a benchmark says where its time goes.
type phases struct {
	names []string
	total map[string]time.Duration
	last  time.Time
}

func newPhases() *phases { return &phases{total: map[string]time.Duration{}, last: time.Now()} }

// start resets the clock, for time between iterations that is not measured.
func (p *phases) start() { p.last = time.Now() }

// mark charges the time since the previous mark to name.
func (p *phases) mark(name string) {
	now := time.Now()
	if _, ok := p.total[name]; !ok {
		p.names = append(p.names, name)
	}
	p.total[name] += now.Sub(p.last)
	p.last = now
}

func (p *phases) report(b *testing.B) {
	for _, n := range p.names {
		b.ReportMetric(float64(p.total[n].Microseconds())/1000/float64(b.N), "ms-"+n+"/op")
	}
}

// reportMaxRSS reports the process's peak resident set so far: a copy or
// commit whose memory grew with its input would show here.
func reportMaxRSS(b *testing.B) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
	}
}

// envInt reads a size knob of the benchmarks from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// mountedLayer creates a working layer on parent and mounts it.
func mountedLayer(b *testing.B, st *layers.Store, parent string) (id, root string) {
	b.Helper()
	id, err := st.NewLayer(parent)
	if err != nil {
		b.Fatal(err)
	}
	if root, err = st.Mount(id); err != nil {
		b.Fatal(err)
	}
	return id, root
}
