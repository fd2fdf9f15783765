package unpack

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
)

func TestCopyAndDigestStopWhenCanceled(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a": "a", "dir/b": "b"})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := CopyContext(canceled, ctxSpec(ctx, dst, "/out/", "a", "dir")); !errors.Is(err, context.Canceled) {
		t.Errorf("Copy with a canceled context: %v", err)
	}
	assertMissing(t, filepath.Join(dst, "out/a"))
	if _, err := DigestContext(canceled, ctxSpec(ctx, dst, "/out/", "a", "dir")); !errors.Is(err, context.Canceled) {
		t.Errorf("Digest with a canceled context: %v", err)
	}
}

// cancelingReader cancels its context on the first read, as a Ctrl-C in
// the middle of a big file would.
type cancelingReader struct {
	cancel context.CancelFunc
	left   int64
}

func (r *cancelingReader) Read(p []byte) (int, error) {
	r.cancel()
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.left)
	clear(p[:n])
	r.left -= n
	return int(n), nil
}

func TestCopyDataStopsWithinAChunkOfTheCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n, err := copyData(ctx, io.Discard, &cancelingReader{cancel: cancel, left: 3 * copyChunk})
	if !errors.Is(err, context.Canceled) || n > copyChunk {
		t.Errorf("copied %d bytes then %v; want at most one chunk and the cancellation", n, err)
	}
}
