package sandbox

import (
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// With /proc masked by the container, a fresh procfs is refused: RUN must
// bind the existing one, read-only, and do without a PID namespace.
func TestSpecSharedProcBindsProcWithoutPIDNamespace(t *testing.T) {
	spec := buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}}, host{inUserNS: true, recursiveRO: true, sharedProc: true}, testFiles)
	proc := mountAt(spec, "/proc")
	if proc == nil || proc.Type != "bind" || proc.Source != "/proc" || !slices.Contains(proc.Options, "rbind") || !slices.Contains(proc.Options, "rro") {
		t.Fatalf("/proc mount %+v, want a recursive read-only bind of /proc", proc)
	}
	if hasNS(spec, specs.PIDNamespace) {
		t.Errorf("namespaces %v: a PID namespace needs a fresh procfs", spec.Linux.Namespaces)
	}
	fresh := buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}}, host{inUserNS: true}, testFiles)
	if p := mountAt(fresh, "/proc"); p.Type != "proc" || !hasNS(fresh, specs.PIDNamespace) {
		t.Errorf("without masking: /proc %+v, namespaces %v; want a fresh procfs and a PID namespace", p, fresh.Linux.Namespaces)
	}
}

func TestConfigNoPivotWhenPivotRootIsRefused(t *testing.T) {
	for _, refused := range []bool{false, true} {
		h := host{inUserNS: true, noPivot: refused}
		cfg, err := libcontainerConfig(buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}}, h, testFiles), "id", h)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.NoPivotRoot != refused {
			t.Errorf("pivot_root refused=%v: NoPivotRoot=%v", refused, cfg.NoPivotRoot)
		}
	}
}
