package stages

import (
	"fmt"
	"strconv"
	"time"

	"github.com/stagebox/stagebox/layers"
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
		if t, err := sourceDateEpoch(o.BuildArgs); err != nil {
			return err
		} else if t == nil {
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
