package stages

import (
	"context"
	"encoding/json"
	"fmt"

	digest "github.com/opencontainers/go-digest"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// lazyFrom starts a stage on a registry image without pulling it, when the
// build consults a registry cache: its ID (the first step's key) and
// config come from its manifest and config alone, and its layers are
// pulled only if a step must run on them or the commit needs them. It
// reports false when the image is in storage already, or the build has no
// --cache-from (then a step will run on it: pulling it at once is as cheap).
func (st *stageState) lazyFrom(ctx context.Context, name string) (bool, error) {
	// Lazy bases are resolved by the build's puller: the target platform's.
	if len(st.b.cache.from) == 0 || st.b.pullerFor(st.platform) != st.b.puller {
		return false, nil
	}
	id, remote, err := st.b.resolve(ctx, name)
	if err != nil || remote == nil {
		return false, err
	}
	var cfg layers.ImageSpec
	if err := json.Unmarshal(remote.Config, &cfg); err != nil {
		return false, fmt.Errorf("the config of %s: %w", name, err)
	}
	if err := st.checkBasePlatform(name, cfg.Image); err != nil {
		return false, err
	}
	st.top, st.cfg, st.key = "", cfg, "image:"+id
	st.base = &lazyBase{name: name, remote: remote, diffIDs: cfg.RootFS.DiffIDs}
	return true, nil
}

// lazyBase is a stage's base image while it is still only in a registry.
type lazyBase struct {
	name    string // as the Dockerfile gives it, for Pull
	remote  *unpack.Remote
	diffIDs []digest.Digest // of its layers, from its config
}

// pullBase pulls a stage's base image that lazyFrom left in its registry
// and returns its top layer.
func (b *builder) pullBase(ctx context.Context, name string) (string, error) {
	id, err := b.pull(ctx, b.puller, name)
	if err != nil {
		return "", err
	}
	img, err := b.store.Image(id)
	if err != nil {
		return "", err
	}
	return img.TopLayer, nil
}

// resolve is Puller.Resolve, once per image name and build: stages FROM
// the same image read its manifest and config once.
func (b *builder) resolve(ctx context.Context, name string) (string, *unpack.Remote, error) {
	b.cache.mu.Lock()
	r, ok := b.cache.resolved[name]
	b.cache.mu.Unlock()
	if ok {
		return r.ID, r, nil
	}
	id, remote, err := b.puller.Resolve(ctx, name, b.opts.Pull)
	if err != nil || remote == nil {
		return id, remote, err
	}
	b.cache.mu.Lock()
	defer b.cache.mu.Unlock()
	if b.cache.resolved == nil {
		b.cache.resolved = map[string]*unpack.Remote{}
	}
	b.cache.resolved[name] = remote
	return id, remote, nil
}
