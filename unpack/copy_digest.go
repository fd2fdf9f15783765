package unpack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
)

// Digest returns a content digest of what Copy(spec) would copy, for the
// build cache: every selected source's path relative to its match, type,
// mode after --chmod, owner after --chown, size, content, link target and
// extended attributes. Modification times are left out on purpose, so a
// fresh checkout of the same files hits the cache. Contents are streamed.
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
	c := &copier{ctx: ctx, spec: spec, src: src, plan: newPlanner(src)}
	for i, m := range ms {
		fmt.Fprintf(h, "match %d %q dir=%t parents=%q\n", i, m.name, m.info.IsDir(), m.parents)
		if m.info.IsDir() {
			if err := c.plan.addTree(i, m, "/"); err != nil {
				return "", err
			}
		} else {
			c.plan.addFile(i, m, "/"+m.name)
		}
		for _, it := range c.plan.take() {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			if err := c.digestItem(h, it); err != nil {
				return "", err
			}
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
	f, err := c.src.openItem(it)
	if err != nil {
		return err
	}
	defer f.Close()
	xattrs, err := readXattrs(int(f.Fd()))
	if err != nil {
		return fmt.Errorf("%s: %w", it.src, err)
	}
	for _, name := range sortedKeys(xattrs) {
		fmt.Fprintf(h, " xattr=%q:%x", name, xattrs[name])
	}
	if it.kind == kindFile {
		// The size frames the content, so no two inputs hash alike.
		fmt.Fprintf(h, " size=%d\n", it.st.Size)
		n, err := copyData(c.ctx, h, f)
		if err != nil {
			return fmt.Errorf("reading %s: %w", it.src, err)
		}
		if n != it.st.Size {
			return fmt.Errorf("%s changed while it was being read; retry the build", it.src)
		}
	}
	fmt.Fprintln(h)
	return nil
}
