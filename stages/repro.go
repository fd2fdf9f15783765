package stages

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
)

// sourceDateEpochArg is the build arg that makes images reproducible, as
// BuildKit reads it: its value (seconds since the epoch) is every
// `created` of the image, and the bound of rewritten file times.
const sourceDateEpochArg = "SOURCE_DATE_EPOCH"

// sourceDateEpoch parses the SOURCE_DATE_EPOCH build arg, if given.
func sourceDateEpoch(args map[string]string) (*time.Time, error) {
	v, ok := args[sourceDateEpochArg]
	if !ok || v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("build arg %s=%q: want a whole number of seconds since 1970-01-01 UTC", sourceDateEpochArg, v)
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// checkRepro validates the reproducibility and format options.
func checkRepro(o *Options) error {
	if o.Format == "" {
		o.Format = "oci"
	}
	if !layers.ValidFormat(o.Format) {
		return fmt.Errorf("image format %q: use oci or docker", o.Format)
	}
	if o.RewriteTimestamp && o.Timestamp == nil {
		if t, err := sourceDateEpoch(o.BuildArgs); err != nil || t == nil {
			return fmt.Errorf("--rewrite-timestamp needs SOURCE_DATE_EPOCH (--source-date-epoch N, the environment or --build-arg) or --timestamp")
		}
	}
	return nil
}

// layerTimes says how new layers' file times are rewritten: set to t
// (--timestamp), clamped to t (--rewrite-timestamp), or kept (nil).
func (b *builder) layerTimes() (t *time.Time, force bool) {
	switch {
	case b.opts.Timestamp != nil:
		return b.opts.Timestamp, true
	case b.opts.RewriteTimestamp:
		return b.epoch, false
	}
	return nil, false
}

// checkLayerTimes refuses, before any step runs, rewritten file times
// that the store's driver cannot give.
func (b *builder) checkLayerTimes() error {
	if t, _ := b.layerTimes(); t != nil {
		return b.store.CanRewriteTimes()
	}
	return nil
}

// timesKey is the part of a filesystem step's cache key that rewritten
// file times add. BuildKit keeps SOURCE_DATE_EPOCH out of step keys (it
// rewrites times when it exports), so a new epoch reuses every step; here
// the times are rewritten in the recorded layer itself, so only a build
// that rewrites them, with the same bound, may reuse such a layer. Without
// rewriting the key is unchanged: the epoch then only dates the config.
func (b *builder) timesKey() []string {
	t, force := b.layerTimes()
	if t == nil {
		return nil
	}
	return []string{fmt.Sprintf("times=%t:%d", force, t.Unix())}
}

// rewriteTimes applies layerTimes to a finished working layer.
func (b *builder) rewriteTimes(layerID string) error {
	t, force := b.layerTimes()
	if t == nil {
		return nil
	}
	return b.store.RewriteTimes(layerID, *t, force)
}

// finishConfig applies the bud flags that edit the committed config.
func (b *builder) finishConfig(cfg *layers.ImageSpec) {
	c := &cfg.Config
	for _, k := range b.opts.UnsetEnv {
		c.Env = slices.DeleteFunc(c.Env, func(e string) bool { return e == k || strings.HasPrefix(e, k+"=") })
	}
	for _, k := range b.opts.UnsetLabels {
		delete(c.Labels, k)
	}
	if b.opts.OmitHistory {
		cfg.History = nil
	}
}

// commitOptions are the format and annotations of the committed image.
func (b *builder) commitOptions() []layers.CommitOption {
	if b.opts.Format == "docker" && len(b.opts.Annotations) > 0 {
		logrus.Warnf("--annotation is ignored with --format docker: a Docker manifest has no annotations")
	}
	return []layers.CommitOption{layers.WithFormat(b.opts.Format), layers.WithAnnotations(b.opts.Annotations)}
}

// cacheSince is the oldest cache entry --cache-ttl lets a step use.
func (b *builder) cacheSince() time.Time {
	if b.opts.CacheTTL <= 0 {
		return time.Time{}
	}
	return time.Now().Add(-b.opts.CacheTTL)
}

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
		logrus.Warnf("--memory and --cpu-shares are not applied: a rootless build's RUN steps cannot use cgroups here (build as root to limit them)")
	}
}
