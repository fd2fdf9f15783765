package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// bigLayerMiB is the size of the layer TestBigLayerUnderMemoryLimit builds:
// eight times the memory its build may use.
const bigLayerMiB = 1024

// TestBigLayerUnderMemoryLimit: memory stays flat with layer size (issue
// 11). A RUN writes a 1 GiB file, the next stage copies it with COPY
// --from and the image is committed, all inside a memory cgroup of 128 MiB.
// Any path that holds a layer or a file in memory (a buffered tar, a
// digest over a read-all, a copy through a bytes.Buffer) is killed by the
// cgroup's OOM killer and the build fails. Root only: an unprivileged user
// has no memory cgroup of its own here.
func TestBigLayerUnderMemoryLimit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a memory cgroup")
	}
	cg := newMemoryCgroup(t, 128<<20)
	s := newStore(t, &account{name: "root"})
	s.busybox(t)
	ctx := s.context(t, map[string]string{"Dockerfile": fmt.Sprintf(
		"FROM busybox AS gen\nRUN dd if=/dev/zero of=/big bs=1M count=%d 2>/dev/null\n"+
			"FROM busybox\nCOPY --from=gen /big /big\n", bigLayerMiB)})
	r := s.run(t, opts{wrap: cg.wrap()}, "bud", "-q", "-t", "biglayer", ctx)
	t.Logf("peak memory of the build's cgroup: %d MiB; OOM kills: %d", cg.peak()>>20, cg.ooms())
	if r.code != 0 {
		t.Fatalf("the build failed under a 128 MiB memory limit (OOM kills: %d):\n%s", cg.ooms(), r)
	}
	out := s.must(t, "run", "biglayer", "wc", "-c", "/big").stdout
	if want := strconv.Itoa(bigLayerMiB << 20); !strings.Contains(out, want) {
		t.Errorf("/big in the image: %q, want %s bytes", out, want)
	}
}

// memoryCgroup is a child of this process's own memory cgroup (v2's
// memory.max, or v1's memory.limit_in_bytes on hybrid hosts like this
// one), removed when the test ends.
type memoryCgroup struct {
	dir string
	v2  bool
}

func newMemoryCgroup(t *testing.T, limit int64) *memoryCgroup {
	t.Helper()
	var why []string
	for _, c := range ownMemoryCgroups() {
		dir, err := os.MkdirTemp(c.dir, "stagebox-e2e-")
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		cg := &memoryCgroup{dir: dir, v2: c.v2}
		limitFile := map[bool]string{true: "memory.max", false: "memory.limit_in_bytes"}[c.v2]
		if err := os.WriteFile(filepath.Join(dir, limitFile), []byte(strconv.FormatInt(limit, 10)), 0o644); err != nil {
			os.Remove(dir)
			why = append(why, err.Error())
			continue
		}
		t.Cleanup(func() { os.Remove(dir) })
		return cg
	}
	if len(why) == 0 {
		why = append(why, "no memory controller in /proc/self/cgroup")
	}
	t.Skipf("no writable memory cgroup (cgroup v2 delegation or v1 memory controller): %s", strings.Join(why, "; "))
	return nil
}

// ownMemoryCgroups lists this process's memory cgroup directories, v2 first.
func ownMemoryCgroups() []memoryCgroup {
	var out []memoryCgroup
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir := filepath.Join("/sys/fs/cgroup", parts[2])
			if ctl, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers")); err == nil && strings.Contains(" "+string(ctl), " memory") {
				out = append([]memoryCgroup{{dir, true}}, out...)
			}
		case parts[1] == "memory":
			dir := filepath.Join("/sys/fs/cgroup/memory", parts[2])
			if _, err := os.Stat(filepath.Join(dir, "memory.limit_in_bytes")); err == nil {
				out = append(out, memoryCgroup{dir, false})
			}
		}
	}
	return out
}

// wrap is the prefix that moves the command into the cgroup before exec.
func (cg *memoryCgroup) wrap() []string {
	return []string{"sh", "-c", `echo $$ > "$0" && exec "$@"`, filepath.Join(cg.dir, "cgroup.procs")}
}

func (cg *memoryCgroup) peak() int64 {
	name := map[bool]string{true: "memory.peak", false: "memory.max_usage_in_bytes"}[cg.v2]
	data, _ := os.ReadFile(filepath.Join(cg.dir, name))
	n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n
}

// ooms counts the cgroup's OOM kills (v2 memory.events, v1 memory.oom_control).
func (cg *memoryCgroup) ooms() int {
	name := map[bool]string{true: "memory.events", false: "memory.oom_control"}[cg.v2]
	data, _ := os.ReadFile(filepath.Join(cg.dir, name))
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "oom_kill" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
