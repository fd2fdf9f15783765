package stages

import "github.com/sirupsen/logrus"

// settle ends a working layer's part once RecordCache made entry of it.
// The layer that is the entry is kept. One sealed into another layer (or
// beaten to the key by a concurrent build) is queued for deletion during
// the next step's work rather than left to the build's end, so the store's
// list of layers stays as short as the build's stack.
func (b *builder) settle(working, entry string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if entry == working {
		b.untrackLocked(working)
		return
	}
	b.retired = append(b.retired, working)
}

// whileRetiring runs fn while the queued working layers are deleted: a
// delete rewrites storage's list of working layers and removes the
// layer's directories (3–5 ms), time a RUN or COPY leaves the store idle.
// A layer whose delete fails stays on the cleanup list.
func (b *builder) whileRetiring(fn func() (bool, error)) (bool, error) {
	b.mu.Lock()
	ids := b.retired
	b.retired = nil
	b.mu.Unlock()
	if len(ids) == 0 {
		return fn()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, id := range ids {
			if err := b.store.DeleteLayer(id); err != nil {
				logrus.Debugf("delete working layer %s: %v", id, err)
				continue
			}
			b.mu.Lock()
			b.untrackLocked(id)
			b.mu.Unlock()
		}
	}()
	changed, err := fn()
	<-done
	return changed, err
}
