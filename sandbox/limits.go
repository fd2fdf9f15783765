package sandbox

import (
	"os"

	"github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/sys/unix"
)

// Limits are the cgroup limits of a RUN (bud --memory, --cpu-shares); zero
// fields set nothing.
type Limits struct {
	Memory    int64  // bytes
	CPUShares uint64 // relative weight, 1024 being the default
}

// LimitsApply reports whether Limits take effect here: libcontainer writes
// cgroups as real root only, and ignores a cgroup tree it cannot write
// (RootlessCgroups). Inside stagebox's user namespace (a rootless build),
// or as root with the memory and cpu hierarchies read-only (a container),
// callers say the limits are not applied rather than ignore them silently.
func LimitsApply() bool {
	if unshare.IsRootless() {
		return false
	}
	dirs := []string{"/sys/fs/cgroup"} // cgroup v2: one tree
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err != nil {
		dirs = []string{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu"} // v1
	}
	for _, d := range dirs {
		if unix.Access(d, unix.W_OK) != nil {
			return false
		}
	}
	return true
}

// resources is the spec's cgroup section for l; nil sets nothing.
func (l Limits) resources(base *specs.LinuxResources) *specs.LinuxResources {
	if l == (Limits{}) {
		return base
	}
	r := &specs.LinuxResources{}
	if base != nil {
		r = base
	}
	if l.Memory > 0 {
		r.Memory = &specs.LinuxMemory{Limit: &l.Memory}
	}
	if l.CPUShares > 0 {
		r.CPU = &specs.LinuxCPU{Shares: &l.CPUShares}
	}
	return r
}
