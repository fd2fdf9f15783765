package stages

import (
	"context"
	"errors"

	"github.com/stagebox/stagebox/layers"
)

// addToManifest adds the image id, just committed for one platform, to the
// list bud --manifest names (created if missing), replacing the list's
// entry of the same platform: a rebuild updates its platform's image.
func (b *builder) addToManifest(ctx context.Context, id string) error {
	if b.opts.Manifest == "" {
		return nil
	}
	if id == "" {
		return errors.New("--manifest: the image was not stored (--output or --push from the cache), so it cannot join the list")
	}
	b.progress("MANIFEST %s", b.opts.Manifest)
	if _, err := b.store.AddToList(ctx, b.opts.Manifest, id, layers.ListEntry{ReplacePlatform: true}, true); err != nil {
		return &Error{File: b.plan.File, Err: err}
	}
	return nil
}

// manifestOnly reports whether a several-platform build's images go to a
// list alone (--manifest without -t): no separate index is committed.
func manifestOnly(o Options) bool {
	return o.Manifest != "" && len(o.Tags) == 0
}

// commitIndex stores the index of a several-platform build's images under
// its tags; with --manifest alone the list (which each platform's build
// joined) stands for it and its ID is returned.
func commitIndex(st *layers.Store, o Options, ids []string) (string, error) {
	if !manifestOnly(o) {
		return st.CommitList(ids, o.Tags)
	}
	img, err := st.Image(o.Manifest)
	if err != nil {
		return "", err
	}
	return img.ID, nil
}
