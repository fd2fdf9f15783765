package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestContextChangeSeenThroughStatIndex: context file digests are reused
// across builds by stat (issue 11), and a change that keeps the file's
// inode, size and mtime is still seen: the write moves its ctime, which the
// index keys on too. Keyed on size and mtime alone, the second build would
// take the stale digest and reuse the old layer.
func TestContextChangeSeenThroughStatIndex(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY input /input\n", "input": "aaaa\n"})
		input := filepath.Join(ctx, "input")
		old := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
		if err := os.Chtimes(input, old, old); err != nil {
			t.Fatal(err)
		}
		// A file changed within 100 ms of being read is hashed but not
		// remembered (its ctime might not move again); let it age.
		time.Sleep(300 * time.Millisecond)
		first := s.must(t, "bud", ctx).id(t)
		if _, err := os.Stat(filepath.Join(s.root(), "stagebox-statindex")); err != nil {
			t.Fatalf("the build kept no stat index in its store: %v", err)
		}
		wantFile(t, s.image(t, first).Files(), "/input", "aaaa\n")

		// Same inode, same size, same mtime, other bytes.
		if err := os.WriteFile(input, []byte("bbbb\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(input, old, old); err != nil {
			t.Fatal(err)
		}
		changed := s.must(t, "bud", ctx).id(t)
		wantFile(t, s.image(t, changed).Files(), "/input", "bbbb\n")
	})
}
