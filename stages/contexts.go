package stages

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	"github.com/stagebox/stagebox/unpack"
)

// namedContext is one --build-context NAME=VALUE: a directory read like the
// main context, or an image. BuildKit's rules: `FROM NAME` and `COPY
// --from=NAME` use it before any image of that name, and a stage named NAME
// is replaced by it, its instructions never run.
type namedContext struct {
	name   string
	dir    string   // a directory (absolute), or ""
	ignore []string // the directory's own .dockerignore, as BuildKit reads it
	image  string   // a reference for the puller, "scratch", or ""
}

// parseBuildContexts reads --build-context values: DIR,
// docker-image://REF or oci-layout://DIR[:TAG].
func parseBuildContexts(in map[string]string) (map[string]*namedContext, error) {
	out := map[string]*namedContext{}
	for name, value := range in {
		nc, err := parseBuildContext(name, value)
		if err != nil {
			return nil, fmt.Errorf("--build-context %s=%s: %w", name, value, err)
		}
		out[contextKey(name)] = nc
	}
	return out, nil
}

func parseBuildContext(name, value string) (*namedContext, error) {
	nc := &namedContext{name: name}
	switch {
	case strings.HasPrefix(value, "docker-image://"):
		nc.image = strings.TrimPrefix(value, "docker-image://")
		if nc.image == "" {
			return nil, fmt.Errorf("no image named after docker-image://")
		}
	case strings.HasPrefix(value, "oci-layout://"):
		dir := strings.TrimPrefix(value, "oci-layout://")
		if strings.Contains(dir, "@") {
			return nil, fmt.Errorf("oci-layout:// with a digest is not supported: name the image by tag, oci-layout://DIR:TAG")
		}
		nc.image = "oci:" + dir
	case strings.Contains(value, "://"):
		return nil, fmt.Errorf("only a directory, docker-image://REF and oci-layout://DIR[:TAG] are supported")
	default:
		if err := checkContext(value); err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(value)
		if err != nil {
			return nil, err
		}
		if nc.ignore, err = unpack.LoadIgnore(abs, "", ""); err != nil {
			return nil, fmt.Errorf("read .dockerignore: %w", err)
		}
		nc.dir = abs
	}
	return nc, nil
}

// contextKey is how a context name is matched: image names in their
// familiar form without ":latest" (so `FROM alpine` and `FROM
// docker.io/library/alpine:latest` both find a context named alpine),
// anything else lower-cased, as stage names are.
func contextKey(name string) string {
	if r, err := reference.ParseNormalizedNamed(name); err == nil {
		return strings.TrimSuffix(reference.FamiliarString(r), ":latest")
	}
	return strings.ToLower(name)
}

// namedContext finds the --build-context a FROM or --from names, if any.
func (b *builder) namedContext(ref string) *namedContext {
	if len(b.contexts) == 0 {
		return nil
	}
	return b.contexts[contextKey(ref)]
}

// applyContexts makes the stage graph use the named contexts: a stage of
// the same name is replaced (it depends on nothing and runs nothing), and
// a FROM naming one starts from it.
func (b *builder) applyContexts() {
	for _, s := range b.plan.Stages {
		n := b.nodes[s]
		if s.Name != "" {
			if nc := b.namedContext(s.Name); nc != nil {
				n.context, n.deps, n.baseStage, n.copyFrom = nc, nil, nil, map[string]*Stage{}
				continue
			}
		}
		if n.baseStage == nil {
			n.baseContext = b.namedContext(n.base)
		}
	}
}

// startFromContext sets the stage's starting layer and config from a named
// context: an image as FROM would use it, a directory as a layer of its
// files on an empty config (BuildKit's image for a local context).
func (st *stageState) startFromContext(ctx context.Context, nc *namedContext) error {
	if nc.dir == "" {
		return st.startFromImage(ctx, nc.image)
	}
	st.startEmpty()
	spec := unpack.CopySpec{SrcRoot: nc.dir, Sources: []string{"."}, Dest: "/", FromContext: true, Excludes: nc.ignore}
	d, err := st.b.digest(ctx, spec)
	if err != nil {
		return fmt.Errorf("build context %s: %w", nc.name, err)
	}
	return st.fsStepText("context "+nc.name, []string{"context", d}, func(root string) (bool, error) {
		spec.DstRoot = root
		return true, unpack.CopyContext(ctx, spec)
	})
}

// contextSource is a COPY source read from a named context.
func (st *stageState) contextSource(ctx context.Context, nc *namedContext) (copySource, error) {
	if nc.dir != "" {
		return copySource{root: nc.dir, ignore: nc.ignore, fromContext: true, release: func() {}}, nil
	}
	return st.imageSource(ctx, nc.image)
}
