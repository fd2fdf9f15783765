package stages

// What buildah's bud flags change besides the steps themselves: the
// committed config and manifest, and which cache entries count.

import (
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
)

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
	opts := []layers.CommitOption{layers.WithFormat(b.opts.Format), layers.WithAnnotations(b.opts.Annotations)}
	if b.opts.Timestamp == nil && b.epoch == nil {
		// Dates are not fixed: a rebuild that changes nothing else keeps the ID.
		opts = append(opts, layers.ReuseDates())
	}
	if b.layerIndex != nil {
		opts = append(opts, layers.FromIndex(b.layerIndex))
	}
	return opts
}

// cacheSince is the oldest cache entry --cache-ttl lets a step use.
func (b *builder) cacheSince() time.Time {
	if b.opts.CacheTTL <= 0 {
		return time.Time{}
	}
	return time.Now().Add(-b.opts.CacheTTL)
}
