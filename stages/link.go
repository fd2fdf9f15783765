package stages

import (
	"fmt"
	"strconv"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// linkStep runs a COPY or ADD --link, as BuildKit does: the files are
// copied into a layer made on an empty root, keyed without the layers
// below, and that layer is stacked on the stage's top. A changed base
// therefore still hits the copy's cache entry, and the layer's blob is the
// same on every base. --chown names still resolve against the stage's
// /etc/passwd and /etc/group; the ids they give are part of the key.
func (st *stageState) linkStep(cmd instructions.Command, keyParts []string, chown string,
	fill func(root string, owner *unpack.Owner) (bool, error)) error {
	owner, err := st.linkOwner(chown)
	if err != nil {
		return err
	}
	if owner != nil {
		keyParts = append(keyParts, fmt.Sprintf("owner=%d:%d", owner.UID, owner.GID))
	}
	keyParts = append(keyParts, st.b.timesKey()...)
	linkKey := chainKey("link", keyParts...)
	stackKey := chainKey(st.key, "link", linkKey, st.platformPart())
	parent := st.key
	if st.cached(stackKey) { // this very step on this very base
		st.addHistory(cmd, false)
		if len(st.pending) == 0 {
			st.share(st.top, stackKey, parent)
		}
		return nil
	}
	if err := st.notCached(); err != nil {
		return err
	}
	return st.shareStep(historyText(cmd), parent, stackKey, func() (stepOutcome, error) {
		return st.linkRun(linkKey, stackKey, owner, fill)
	})
}

// linkRun makes a --link step's layer (or takes the one the same copy made
// on another base) and stacks it on the stage's top under stackKey.
func (st *stageState) linkRun(linkKey, stackKey string, owner *unpack.Owner, fill func(string, *unpack.Owner) (bool, error)) (stepOutcome, error) {
	out := st.outcome()
	if err := st.materialize(); err != nil { // the stack goes on local layers
		return out, err
	}
	layer, ok, err := "", false, error(nil)
	if !st.b.opts.NoCache {
		layer, ok = st.b.cachedLayer(linkKey)
	}
	if ok { // the step on another base: its layer, stacked again
		st.hit("--> Using cache %.12s", layer)
	} else if layer, ok, err = st.linkLayer(linkKey, owner, fill); err != nil || !ok {
		return out, err // nothing copied: no layer, as any empty step
	}
	top, err := st.b.store.Stack(st.top, layer)
	if err != nil {
		return out, err
	}
	entry, err := st.b.store.RecordCache(top, stackKey, st.cacheOptions(false)...)
	if err != nil {
		return out, err
	}
	out.layer, out.changed = entry, true
	return out, nil
}

// linkOwner resolves --chown for a --link step against the stage's rootfs.
func (st *stageState) linkOwner(chown string) (*unpack.Owner, error) {
	if chown == "" {
		return nil, nil
	}
	if _, err := strconv.ParseUint(chown, 10, 31); err == nil {
		return chownOwner("", chown) // a number needs no passwd: nothing to mount
	}
	if err := st.materialize(); err != nil {
		return nil, err
	}
	src, err := st.mountReadOnly(st.top)
	if err != nil {
		return nil, err
	}
	defer src.release()
	return chownOwner(src.root, chown)
}

// linkLayer copies into a fresh layer on an empty root and records it under
// key; ok is false when nothing was copied.
func (st *stageState) linkLayer(key string, owner *unpack.Owner, fill func(string, *unpack.Owner) (bool, error)) (string, bool, error) {
	opts := st.cacheOptions(true)
	id, err := st.b.store.NewLayer("", opts...)
	if err != nil {
		return "", false, err
	}
	st.b.track(id)
	root, err := st.b.store.Mount(id)
	if err != nil {
		return "", false, err
	}
	changed, err := fill(root, owner)
	if uerr := st.b.store.Unmount(id); err == nil && uerr != nil {
		err = uerr
	}
	if err == nil && changed {
		err = st.b.rewriteTimes(id)
	}
	if err != nil || !changed {
		return "", false, err
	}
	// Sealed even for a stage only read from: stacking reads its digest.
	entry, err := st.b.store.RecordCache(id, key, opts...)
	if err != nil {
		return "", false, err
	}
	st.b.settle(id, entry)
	return entry, true, nil
}

// cacheOptions are how a step records its layer: sealed only when an image
// will stand on it (or, sealed, when another layer is stacked from it), and
// taking over an old entry under --no-cache.
func (st *stageState) cacheOptions(seal bool) []layers.CacheOption {
	var opts []layers.CacheOption
	if !seal && !st.b.committed[st.stage] {
		opts = append(opts, layers.NotForCommit()) // sealing it would read it all for nothing
	}
	if st.b.opts.NoCache || st.b.opts.CacheTTL > 0 {
		// Use the fresh result, not the old entry (--cache-ttl: one too
		// old to use, which the next build must not find either).
		opts = append(opts, layers.TakeOver())
	}
	return opts
}
