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
// image's rootfs, with the release of whatever was mounted for it. A stage
// or image is mounted (and a stage's registry cache hits downloaded) only
// when the step misses the cache: open does it.
type copySource struct {
	root        string
	ignore      []string // .dockerignore patterns of a context source
	key         string   // cache key of a stage or image source; "" for the context (hashed by content)
	fromContext bool
	release     func()
	open        func() (copySource, error) // nil: root is ready
}

// copyFlags are the COPY/ADD flags that shape what is copied.
type copyFlags struct {
	chown, chmod string
	excludes     []string // --exclude, matched below each source
	extract      bool     // ADD: local archives are extracted
	parents      bool     // COPY --parents
	link         bool     // --link: the layer is built on scratch and stacked
}

func (st *stageState) copy(ctx context.Context, c *instructions.CopyCommand) error {
	src, err := st.copySource(ctx, c.From)
	if err != nil {
		return err
	}
	defer src.release()
	return st.copyStep(ctx, c, &c.SourcesAndDest, src, copyFlags{chown: c.Chown, chmod: c.Chmod,
		excludes: c.ExcludePatterns, parents: c.Parents, link: c.Link})
}

func (st *stageState) add(ctx context.Context, c *instructions.AddCommand) error {
	// Local archives are extracted unless --unpack=false; downloaded ones
	// only with --unpack=true (BuildKit's rule).
	extract := c.Unpack == nil || *c.Unpack
	if len(c.SourcePaths) > 0 && isURL(c.SourcePaths[0]) {
		extract = c.Unpack != nil && *c.Unpack
	}
	src, cleanup, err := st.addSources(ctx, c)
	if err != nil {
		return err
	}
	defer cleanup()
	return st.copyStep(ctx, c, &c.SourcesAndDest, src, copyFlags{chown: c.Chown, chmod: c.Chmod,
		excludes: c.ExcludePatterns, extract: extract, link: c.Link})
}

// copySource resolves --from, the one place that maps a name to what it
// names: a stage of this build (mounted, when a step needs it, on a
// throwaway layer so the source can never be written), a --build-context,
// an image, or with no name the build context.
func (st *stageState) copySource(ctx context.Context, from string) (copySource, error) {
	if from == "" {
		return copySource{root: st.b.opts.ContextDir, ignore: st.b.ignore, fromContext: true, release: func() {}}, nil
	}
	if s, ok := st.node.copyFrom[from]; ok {
		r := st.b.results[s]
		return copySource{key: r.key, release: func() {}, open: func() (copySource, error) {
			top, err := st.b.localTop(ctx, r)
			if err != nil {
				return copySource{}, err
			}
			return st.mountReadOnly(top)
		}}, nil
	}
	name, err := st.expand(from)
	if err != nil {
		return copySource{}, err
	}
	if nc := st.b.namedContext(name); nc != nil {
		return st.contextSource(ctx, nc)
	}
	return st.imageSource(ctx, name)
}

// imageSource is an image, pulled per --pull, as a COPY source, mounted
// when a step needs its files.
func (st *stageState) imageSource(ctx context.Context, name string) (copySource, error) {
	id, err := st.b.pull(ctx, st.b.pullerFor(st.platform), name)
	if err != nil {
		return copySource{}, fmt.Errorf("--from=%s is neither a stage of this Dockerfile, a --build-context nor an image that could be found: %w", name, err)
	}
	img, err := st.b.store.Image(id)
	if err != nil {
		return copySource{}, err
	}
	return copySource{key: "image:" + img.ID, release: func() {}, open: func() (copySource, error) {
		return st.mountReadOnly(img.TopLayer)
	}}, nil
}

// openSource is copySource with the source's files at hand: a stage or
// image source is otherwise mounted only when a step misses the cache.
func (st *stageState) openSource(ctx context.Context, from string) (copySource, error) {
	src, err := st.copySource(ctx, from)
	if err != nil || src.open == nil {
		return src, err
	}
	return src.open()
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
func (st *stageState) copyStep(ctx context.Context, cmd instructions.Command, sd *instructions.SourcesAndDest, src copySource, f copyFlags) error {
	mode, err := parseChmod(f.chmod)
	if err != nil {
		return err
	}
	st.clampNotices(cmd, sd.SourcePaths, src.fromContext)
	dest := st.destPath(sd.DestPath)
	spec := unpack.CopySpec{SrcRoot: src.root, Sources: sd.SourcePaths, Dest: dest, FromContext: src.fromContext,
		Chmod: mode, Extract: f.extract, Excludes: src.ignore, SourceExcludes: f.excludes, Parents: f.parents}
	key, err := st.copyKey(ctx, cmd, sd, spec, src, f.chown)
	if err != nil {
		return err
	}
	st.detail = st.sourceDetail(ctx, spec, src.fromContext)
	fill := func(root string, owner *unpack.Owner) (bool, error) {
		spec.DstRoot, spec.Chown = root, owner
		if src.open != nil {
			mounted, err := src.open()
			if err != nil {
				return false, err
			}
			defer mounted.release()
			spec.SrcRoot = mounted.root
		}
		if len(sd.SourcePaths) > 0 {
			if err := unpack.CopyContext(ctx, spec); err != nil {
				return false, err
			}
		}
		return true, st.copyHeredocs(sd, spec)
	}
	if f.link {
		return st.linkStep(cmd, key, f.chown, fill)
	}
	return st.fsStep(cmd, key, func(root string) (bool, error) {
		var owner *unpack.Owner
		if f.chown != "" {
			if owner, err = chownOwner(root, f.chown); err != nil {
				return false, err
			}
		}
		return fill(root, owner)
	})
}

// chownOwner resolves --chown against the /etc/passwd and /etc/group of
// the rootfs at root. A numeric user without a group takes gid = uid,
// BuildKit's rule (buildah's and docker's classic builder's too).
func chownOwner(root, chown string) (*unpack.Owner, error) {
	if uid, err := strconv.ParseUint(chown, 10, 31); err == nil {
		return &unpack.Owner{UID: int(uid), GID: int(uid)}, nil
	}
	u, err := unpack.ResolveUser(root, chown)
	if err != nil {
		return nil, fmt.Errorf("--chown=%s: %w", chown, err)
	}
	return &unpack.Owner{UID: u.UID, GID: u.GID}, nil
}

// clampNotices says, once per source, that a source climbing above its
// root is read inside it, as docker reads it.
func (st *stageState) clampNotices(cmd instructions.Command, sources []string, fromContext bool) {
	where := "the build context"
	if !fromContext {
		where = "the --from root"
	}
	for _, s := range sources {
		if rel, clamped := unpack.CleanSource(s); clamped {
			warn(st.b.opts.Err, "%s:%d: %s: source %q is above %s; reading %q inside it, as docker does",
				st.b.plan.File, startLine(cmd.Location()), strings.ToUpper(cmd.Name()), s, where, rel)
		}
	}
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
		d, err := st.b.digest(ctx, spec)
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
	spec.SourceExcludes, spec.Parents = nil, false
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
	joined := path.Join(st.cwd(), dest)
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
