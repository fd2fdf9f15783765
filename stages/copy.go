package stages

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stagebox/stagebox/unpack"
)

// copySource is where a COPY reads from: the context, a stage's rootfs or an
// image's rootfs, with the release of whatever was mounted for it.
type copySource struct {
	root        string
	key         string // cache key of a stage or image source; "" for the context (hashed by content)
	fromContext bool
	release     func()
}

func (st *stageState) copy(ctx context.Context, c *instructions.CopyCommand) error {
	if c.Parents {
		return unsupportedFlag("COPY --parents")
	}
	src, err := st.copySource(ctx, c.From)
	if err != nil {
		return err
	}
	defer src.release()
	return st.copyStep(ctx, c, &c.SourcesAndDest, src, c.Chown, c.Chmod, c.ExcludePatterns, false)
}

func (st *stageState) add(ctx context.Context, c *instructions.AddCommand) error {
	if c.KeepGitDir != nil {
		return unsupportedFlag("ADD --keep-git-dir")
	}
	extract := c.Unpack == nil || *c.Unpack
	src, cleanup, err := st.addSources(ctx, c)
	if err != nil {
		return err
	}
	defer cleanup()
	return st.copyStep(ctx, c, &c.SourcesAndDest, src, c.Chown, c.Chmod, c.ExcludePatterns, extract)
}

// copySource resolves --from: a stage of this build (mounted on a throwaway
// layer so the source can never be written), an image, or the context.
func (st *stageState) copySource(ctx context.Context, from string) (copySource, error) {
	if from == "" {
		return copySource{root: st.b.opts.ContextDir, fromContext: true, release: func() {}}, nil
	}
	var top, key string
	if s, ok := st.node.copyFrom[from]; ok {
		top, key = st.b.results[s].top, st.b.results[s].key
	} else {
		name, err := st.expand(from)
		if err != nil {
			return copySource{}, err
		}
		id, err := st.b.puller.Pull(ctx, name, st.b.opts.Pull)
		if err != nil {
			return copySource{}, fmt.Errorf("--from=%s is neither a stage of this Dockerfile nor an image that could be found: %w", name, err)
		}
		img, err := st.b.store.Image(id)
		if err != nil {
			return copySource{}, err
		}
		top, key = img.TopLayer, "image:"+img.ID
	}
	src, err := st.mountReadOnly(top)
	src.key = key
	return src, err
}

// mountReadOnly mounts a copy-on-write view of the layer stack ending at top.
func (st *stageState) mountReadOnly(top string) (copySource, error) {
	id, err := st.b.store.NewLayer(top)
	if err != nil {
		return copySource{}, err
	}
	root, err := st.b.store.Mount(id)
	if err != nil {
		st.b.store.DeleteLayer(id)
		return copySource{}, err
	}
	return copySource{root: root, release: func() {
		st.b.store.Unmount(id)
		st.b.store.DeleteLayer(id)
	}}, nil
}

// copyStep copies sources into a new layer; heredoc sources (`COPY <<EOF
// /file`) are written to a scratch directory first and copied from there.
func (st *stageState) copyStep(ctx context.Context, cmd instructions.Command, sd *instructions.SourcesAndDest, src copySource,
	chown, chmod string, excludes []string, extract bool) error {
	mode, err := parseChmod(chmod)
	if err != nil {
		return err
	}
	dest := st.destPath(sd.DestPath)
	spec := unpack.CopySpec{SrcRoot: src.root, Sources: sd.SourcePaths, Dest: dest,
		FromContext: src.fromContext, Chmod: mode, Extract: extract, Excludes: excludes}
	if src.fromContext {
		spec.Excludes = append(append([]string(nil), st.b.ignore...), excludes...)
	}
	key, err := st.copyKey(ctx, cmd, sd, spec, src, chown)
	if err != nil {
		return err
	}
	st.detail = st.sourceDetail(ctx, spec, src.fromContext)
	return st.fsStep(cmd, key, func(root string) (bool, error) {
		spec.DstRoot = root
		if chown != "" {
			u, err := unpack.ResolveUser(root, chown)
			if err != nil {
				return false, fmt.Errorf("--chown=%s: %w", chown, err)
			}
			spec.Chown = &unpack.Owner{UID: u.UID, GID: u.GID}
		}
		if len(sd.SourcePaths) > 0 {
			if err := unpack.CopyContext(ctx, spec); err != nil {
				return false, err
			}
		}
		return true, st.copyHeredocs(sd, spec)
	})
}

// copyKey identifies a COPY/ADD for the cache: context sources by the
// digest of their content (so a touched mtime still hits), stage and image
// sources by their own cache key, inline heredocs by their text.
func (st *stageState) copyKey(ctx context.Context, cmd instructions.Command, sd *instructions.SourcesAndDest, spec unpack.CopySpec,
	src copySource, chown string) ([]string, error) {
	parts := []string{historyText(cmd), "dest=" + spec.Dest, "chown=" + chown, chmodKey(spec.Chmod, spec.Extract)}
	switch {
	case len(sd.SourcePaths) == 0:
	case src.key != "":
		parts = append(parts, "from="+src.key)
	default:
		d, err := unpack.DigestContext(ctx, spec)
		if err != nil {
			return nil, err
		}
		parts = append(parts, "content="+d)
	}
	for _, c := range sd.SourceContents {
		parts = append(parts, c.Path, c.Data)
	}
	return parts, nil
}

// copyHeredocs writes inline files and copies them like context files.
func (st *stageState) copyHeredocs(sd *instructions.SourcesAndDest, spec unpack.CopySpec) error {
	if len(sd.SourceContents) == 0 {
		return nil
	}
	dir, err := os.MkdirTemp(st.b.runDir, "heredoc-")
	if err != nil {
		return fmt.Errorf("heredoc: %w", err)
	}
	defer os.RemoveAll(dir)
	spec.SrcRoot, spec.FromContext, spec.Excludes, spec.Sources, spec.Extract = dir, true, nil, nil, false
	for _, c := range sd.SourceContents {
		name := path.Base(c.Path)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(c.Data), 0o644); err != nil {
			return fmt.Errorf("heredoc %s: %w", name, err)
		}
		spec.Sources = append(spec.Sources, name)
	}
	return unpack.Copy(spec)
}

// destPath joins a relative destination with WORKDIR, keeping a trailing
// slash, which decides whether the destination is a directory.
func (st *stageState) destPath(dest string) string {
	if path.IsAbs(dest) {
		return dest
	}
	wd := st.cfg.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	joined := path.Join(wd, dest)
	if strings.HasSuffix(dest, "/") || dest == "." || strings.HasSuffix(dest, "/.") {
		joined += "/"
	}
	return joined
}

// parseChmod accepts the octal modes Docker documents for --chmod.
func parseChmod(s string) (*os.FileMode, error) {
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o7777 {
		return nil, fmt.Errorf("--chmod=%s: invalid mode: use octal digits such as 0755", s)
	}
	m := os.FileMode(v & 0o777)
	if v&0o4000 != 0 {
		m |= os.ModeSetuid
	}
	if v&0o2000 != 0 {
		m |= os.ModeSetgid
	}
	if v&0o1000 != 0 {
		m |= os.ModeSticky
	}
	return &m, nil
}

func chmodKey(m *os.FileMode, extract bool) string {
	if m == nil {
		return fmt.Sprintf("chmod= extract=%v", extract)
	}
	return fmt.Sprintf("chmod=%o extract=%v", uint32(*m), extract)
}
