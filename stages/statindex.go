package stages

import (
	"context"
	"sync"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/unpack"
)

// statDigests is the build's stat index of file digests (issue 11): loaded
// from the store on the first digest, so a build that copies nothing from
// a context never reads it, shared by every stage, saved when the build
// ends. Every context, bind-mount source and explain digest goes through
// digest, so a context is read at most once per build and, unchanged, not
// at all on the next one.
type statDigests struct {
	once  sync.Once
	index *unpack.StatIndex
}

// digest is unpack.DigestContext with the build's stat index.
func (b *builder) digest(ctx context.Context, spec unpack.CopySpec) (string, error) {
	b.digests.once.Do(func() { b.digests.index = unpack.OpenStatIndex(b.store.StatIndexPath()) })
	spec.Digests = b.digests.index
	return unpack.DigestContext(ctx, spec)
}

// saveDigests writes what this build learnt and lets go of the index; a
// failure costs the next build a rehash, never a wrong digest, so it is
// only logged.
func (b *builder) saveDigests() {
	if err := b.digests.index.Save(); err != nil {
		logrus.Debugf("%v", err)
	}
	b.digests.index.Close()
}
