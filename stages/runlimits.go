package stages

import (
	"fmt"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/sandbox"
)

// RunLimits are what bud's flags set for every RUN: extra /etc/hosts
// entries or none at all, and resource limits.
type RunLimits struct {
	AddHosts []string // "HOST:IP"
	NoHosts  bool     // the image's own /etc/hosts, not one made per RUN
	Ulimits  []sandbox.Rlimit
	Limits   sandbox.Limits // --memory, --cpu-shares: cgroups, where they apply
}

// apply sets the limits on a RUN's process.
func (l RunLimits) apply(p *sandbox.Process) {
	p.AddHosts, p.NoHosts, p.Rlimits, p.Limits = l.AddHosts, l.NoHosts, l.Ulimits, l.Limits
}

// key is what the limits add to a RUN's cache key: as in BuildKit, whose
// exec op holds extra hosts and ulimits, they can change what a RUN makes.
// Nothing when unset, so the keys of ordinary builds stay as they were.
func (l RunLimits) key() []string {
	if len(l.AddHosts) == 0 && !l.NoHosts && len(l.Ulimits) == 0 {
		return nil // cgroup limits change how a RUN runs, not what it makes
	}
	return []string{fmt.Sprintf("hosts=%q,nohosts=%t,ulimits=%v", l.AddHosts, l.NoHosts, l.Ulimits)}
}

// noticeLimits says, once, when --memory or --cpu-shares cannot apply.
func (l RunLimits) noticeLimits() {
	if l.Limits != (sandbox.Limits{}) && !sandbox.LimitsApply() {
		logrus.Warnf("--memory and --cpu-shares are not applied: RUN steps cannot use cgroups here (a rootless build, or a read-only cgroup tree; build as root on the host to limit them)")
	}
}
