package sandbox

import (
	"github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/unshare"
)

// Limits are the cgroup limits of a RUN (bud --memory, --cpu-shares); zero
// fields set nothing.
type Limits struct {
	Memory    int64  // bytes
	CPUShares uint64 // relative weight, 1024 being the default
}

// LimitsApply reports whether Limits take effect here: libcontainer writes
// cgroups as real root only. Inside stagebox's user namespace (a rootless
// build) the cgroup tree is not ours to write, so callers say the limits
// are not applied rather than ignore them silently.
func LimitsApply() bool { return !unshare.IsRootless() }

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
