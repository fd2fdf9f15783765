package stages

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/stagebox/stagebox/unpack"
)

// bindSource is a mount's source= relative to its root ("." for the root).
// Wildcards are refused: a bind mount names one path, and the cache digest
// would read them as a pattern.
func bindSource(m *instructions.Mount) (string, error) {
	src := strings.TrimPrefix(path.Clean("/"+m.Source), "/")
	if strings.ContainsAny(src, "*?[") {
		return "", fmt.Errorf("--mount source=%s: wildcards are not allowed in a mount source: name one file or directory", m.Source)
	}
	if src == "" {
		src = "."
	}
	return src, nil
}

// bindKey is the cache key of what a bind mount shows: the content digest
// of the context path (the build context or a named one), or the key of
// the stage or image it comes from.
func (st *stageState) bindKey(ctx context.Context, m *instructions.Mount) (string, error) {
	src, err := bindSource(m)
	if err != nil {
		return "", err
	}
	from, err := st.copySource(ctx, m.From)
	if err != nil {
		return "", err
	}
	defer from.release()
	if !from.fromContext {
		return "from=" + from.key + " source=" + src, nil
	}
	if _, err := contextPath(from.root, src); err != nil {
		return "", err
	}
	spec := unpack.CopySpec{SrcRoot: from.root, Sources: []string{src}, FromContext: true, Dest: "/", Excludes: from.ignore}
	d, err := st.b.digest(ctx, spec)
	if err != nil {
		return "", fmt.Errorf("--mount source=%s: %w", m.Source, err)
	}
	return "content=" + d, nil
}

// attachBind mounts a context path or a path of a stage or image,
// read-only unless rw. A rw mount shows a throwaway copy: the context is
// copied for the step, and a stage or image is mounted on a fresh layer
// that is dropped afterwards, so the step's writes are discarded.
func (st *stageState) attachBind(ctx context.Context, r *runMounts, m *instructions.Mount) error {
	src, err := bindSource(m)
	if err != nil {
		return err
	}
	from, err := st.openSource(ctx, m.From)
	if err != nil {
		return err
	}
	if from.fromContext {
		defer from.release()
		host, err := contextPath(from.root, src)
		if err != nil {
			return err
		}
		if !m.ReadOnly || len(from.ignore) > 0 {
			return st.attachContextCopy(ctx, r, m, from, src, host)
		}
		r.add(sandbox.Mount{Source: host, Destination: m.Target, ReadOnly: true}, nil)
		return nil
	}
	host, err := securejoin.SecureJoin(from.root, src)
	if err == nil {
		_, err = os.Stat(host)
	}
	if err != nil {
		from.release()
		return fmt.Errorf("--mount from=%s source=%s: %w", m.From, m.Source, err)
	}
	r.add(sandbox.Mount{Source: host, Destination: m.Target, ReadOnly: m.ReadOnly}, from.release)
	return nil
}

// attachContextCopy binds a private copy of a context path (the build
// context's or a named one's): for rw, and
// whenever .dockerignore patterns exist, since what they exclude must not
// show in a mount of the context any more than in a COPY of it.
func (st *stageState) attachContextCopy(ctx context.Context, r *runMounts, m *instructions.Mount, from copySource, src, host string) error {
	dir, err := os.MkdirTemp(st.b.runDir, "bind-")
	if err != nil {
		return fmt.Errorf("--mount: %w", err)
	}
	release := func() { os.RemoveAll(dir) }
	spec := unpack.CopySpec{SrcRoot: from.root, Sources: []string{src}, FromContext: true, DstRoot: dir, Dest: "/", Excludes: from.ignore}
	if err := unpack.CopyContext(ctx, spec); err != nil {
		release()
		return fmt.Errorf("--mount source=%s: %w", m.Source, err)
	}
	bound := dir
	if fi, err := os.Stat(host); err == nil && !fi.IsDir() {
		bound = filepath.Join(dir, filepath.Base(host))
	}
	r.add(sandbox.Mount{Source: bound, Destination: m.Target, ReadOnly: m.ReadOnly}, release)
	return nil
}

// contextPath resolves rel inside the build context on the host, refusing
// a path whose symlinks lead out of the context.
func contextPath(contextDir, rel string) (string, error) {
	root, err := filepath.EvalSymlinks(contextDir)
	if err != nil {
		return "", fmt.Errorf("build context: %w", err)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, rel))
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("--mount source=%s: no such file or directory in the build context", rel)
		}
		return "", fmt.Errorf("--mount source=%s: %w", rel, err)
	}
	if _, inside := unpack.ContextPath(root, real); !inside {
		return "", fmt.Errorf("--mount source=%s: a symlink leads out of the build context, which a mount may not do", rel)
	}
	return real, nil
}
