package stages

import "github.com/stagebox/stagebox/layers"

// squashBase is where FROM left a stage: its top layer and how many
// history entries the base brought, what --squash keeps as they are.
type squashBase struct {
	top     string
	history int
}

// squash replaces top by one layer with --squash (the stage's own changes
// on its base's layers) or --squash-all (everything), and rewrites cfg's
// history to match: one entry per layer, as every image must have.
func (b *builder) squash(from squashBase, top string, cfg *layers.ImageSpec) (string, error) {
	if !b.opts.Squash && !b.opts.SquashAll {
		return top, nil
	}
	if b.opts.SquashAll {
		from = squashBase{}
	}
	if top == from.top {
		return top, nil // the stage added no layer: nothing to squash
	}
	b.progress("SQUASH %s", map[bool]string{true: "every layer into one", false: "the stage's layers into one"}[b.opts.SquashAll])
	id, err := b.store.Squash(from.top, top)
	if err != nil {
		return "", err
	}
	squashHistory(cfg, from.history)
	return id, nil
}

// squashHistory marks the entries after keep as adding no layer but the
// last, which stands for the squashed one.
func squashHistory(cfg *layers.ImageSpec, keep int) {
	h := cfg.History
	if keep >= len(h) {
		return
	}
	for i := keep; i < len(h); i++ {
		h[i].EmptyLayer = i != len(h)-1
	}
}
