package unpack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"time"
)

// Digest returns a content digest of what Copy(spec) would copy, for the
// build cache: every selected source's path relative to its match, type,
// mode after --chmod, owner after --chown, size, content, link target and
// extended attributes. Modification times are left out on purpose, so a
// fresh checkout of the same files hits the cache. Contents are streamed,
// and a regular file whose stat spec.Digests remembers is not read at all.
// Digest reports the same source errors as Copy.
func Digest(spec CopySpec) (string, error) {
	return DigestContext(context.Background(), spec)
}

// DigestContext is Digest that stops, with ctx.Err(), soon after ctx ends.
func DigestContext(ctx context.Context, spec CopySpec) (string, error) {
	src, err := openSources(spec)
	if err != nil {
		return "", err
	}
	defer src.Close()
	ms, err := src.matches(spec.Sources)
	if err != nil {
		return "", err
	}
	if len(ms) > 1 && !destNamesDir(spec.Dest) {
		return "", errMultiNeedsDir
	}
	h := sha256.New()
	c := &copier{ctx: ctx, spec: spec, src: src}
	c.plan = newPlanner(src, func(it item) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return c.digestItem(h, it)
	})
	for i, m := range ms {
		fmt.Fprintf(h, "match %d %q dir=%t parents=%q\n", i, m.name, m.info.IsDir(), m.parents)
		if m.info.IsDir() {
			err = c.plan.addTree(i, m, "/")
		} else {
			err = c.plan.addFile(i, m, "/"+m.name)
		}
		if err != nil {
			return "", err
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func (c *copier) digestItem(h hash.Hash, it item) error {
	n := c.nodeFor(it)
	fmt.Fprintf(h, "%d %q kind=%d mode=%o owner=%d:%d", it.match, it.rel, it.kind, n.mode, n.uid, n.gid)
	switch it.kind {
	case kindHardlink:
		fmt.Fprintf(h, " link=%d:%q\n", it.linkAt, it.linkRel)
		return nil
	case kindSymlink:
		target, err := c.src.root.Readlink(it.src)
		if err != nil {
			return fmt.Errorf("reading symlink %s: %w", it.src, err)
		}
		fmt.Fprintf(h, " target=%q\n", target)
		return nil
	case kindFifo:
		fmt.Fprintln(h)
		return nil
	}
	if it.kind == kindFile {
		// The size frames the data, so no two inputs hash alike.
		sum, err := c.fileDigest(it)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, " size=%d data=%x\n", it.st.Size, sum)
		return nil
	}
	f, err := c.src.openItem(it)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := hashXattrs(h, f, it); err != nil {
		return err
	}
	fmt.Fprintln(h)
	return nil
}

// fileDigest digests a regular file's extended attributes and content,
// from the stat index when its stat is unchanged since it was last read.
func (c *copier) fileDigest(it item) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if sum, ok := c.spec.Digests.lookup(it.st); ok {
		return sum, nil
	}
	readAt := time.Now()
	f, err := c.src.openItem(it)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if err := hashXattrs(h, f, it); err != nil {
		return sum, err
	}
	n, err := copyData(c.ctx, h, f)
	if err != nil {
		return sum, fmt.Errorf("reading %s: %w", it.src, err)
	}
	if n != it.st.Size {
		return sum, fmt.Errorf("%s changed while it was being read; retry the build", it.src)
	}
	h.Sum(sum[:0])
	c.spec.Digests.record(it.st, sum, readAt)
	return sum, nil
}

func hashXattrs(h hash.Hash, f *os.File, it item) error {
	xattrs, err := readXattrs(int(f.Fd()))
	if err != nil {
		return fmt.Errorf("%s: %w", it.src, err)
	}
	for _, name := range sortedKeys(xattrs) {
		fmt.Fprintf(h, " xattr=%q:%x", name, xattrs[name])
	}
	return nil
}
