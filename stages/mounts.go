package stages

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stagebox/stagebox/sandbox"
)

// runMounts is what a RUN's --mount flags give its process: the mounts,
// extra environment (secret env=, SSH_AUTH_SOCK) for that RUN alone, and
// what to undo when it ends.
type runMounts struct {
	mounts  []sandbox.Mount
	env     []string
	release []func()
}

func (r *runMounts) add(m sandbox.Mount, release func()) {
	r.mounts = append(r.mounts, m)
	if release != nil {
		r.release = append(r.release, release)
	}
}

// done releases everything, last attached first.
func (r *runMounts) done() {
	for i := len(r.release) - 1; i >= 0; i-- {
		r.release[i]()
	}
	r.release = nil
}

// checkMounts refuses option combinations BuildKit's parser lets through
// but that mean nothing for the type (so no option is ever silently
// ignored), and fills in defaults: relative targets join WORKDIR, and
// cache, secret and ssh ids take BuildKit's defaults.
func (st *stageState) checkMounts(ms []*instructions.Mount) error {
	ssh := 0
	cacheIDs := map[string]bool{}
	for _, m := range ms {
		if err := checkMountOptions(m); err != nil {
			return fmt.Errorf("--mount=type=%s: %w", m.Type, err)
		}
		if m.Target != "" && !path.IsAbs(m.Target) {
			m.Target = path.Join(st.cwd(), m.Target)
		}
		switch m.Type {
		case instructions.MountTypeCache:
			if m.CacheID == "" {
				m.CacheID = path.Clean(m.Target)
			}
			if cacheIDs[m.CacheID] {
				// A second hold of a locked id would wait for the first forever.
				return fmt.Errorf("--mount=type=cache: id %q is mounted twice in this RUN: mount it once", m.CacheID)
			}
			cacheIDs[m.CacheID] = true
		case instructions.MountTypeSecret:
			if m.CacheID == "" {
				m.CacheID = m.Source
			}
			if m.CacheID == "" {
				m.CacheID = path.Base(m.Target)
			}
			if m.Target == "" && m.Env == nil {
				m.Target = "/run/secrets/" + m.CacheID
			}
		case instructions.MountTypeSSH:
			if m.CacheID == "" {
				m.CacheID = "default"
			}
			if m.Target == "" {
				m.Target = fmt.Sprintf("/run/buildkit/ssh_agent.%d", ssh)
			}
			ssh++
		}
		if m.Target != "" && path.Clean(m.Target) == "/" {
			return fmt.Errorf("--mount=type=%s: target / would hide the whole root filesystem: mount somewhere below it", m.Type)
		}
	}
	return nil
}

// checkMountOptions lists, per type, the options that have no meaning for
// it; BuildKit's parser already refuses unknown keys and most mismatches.
func checkMountOptions(m *instructions.Mount) error {
	var bad []string
	flag := func(set bool, name string) {
		if set {
			bad = append(bad, name)
		}
	}
	switch m.Type {
	case instructions.MountTypeBind:
		flag(m.CacheID != "", "id")
		flag(m.Env != nil, "env")
	case instructions.MountTypeCache:
		flag(m.Env != nil, "env")
	case instructions.MountTypeTmpfs:
		flag(m.From != "", "from")
		flag(m.Source != "", "source")
		flag(m.CacheID != "", "id")
		flag(m.Env != nil, "env")
	case instructions.MountTypeSecret:
		flag(!m.ReadOnly, "rw")
	case instructions.MountTypeSSH:
		flag(m.From != "", "from")
		flag(m.Source != "", "source")
		flag(m.Env != nil, "env")
		flag(!m.ReadOnly, "rw")
	}
	if len(bad) > 0 {
		return fmt.Errorf("option %s does not apply to this mount type: remove it", strings.Join(bad, ", "))
	}
	needsTarget := m.Type == instructions.MountTypeBind || m.Type == instructions.MountTypeCache || m.Type == instructions.MountTypeTmpfs
	if needsTarget && m.Target == "" {
		return fmt.Errorf("target= is required")
	}
	return nil
}

// mountKey is what the mounts add to the step's cache key besides their
// spelling (part of the instruction text): the content of everything bound.
// Cache mounts, tmpfs, secrets and ssh agents are never part of it.
func (st *stageState) mountKey(ctx context.Context, ms []*instructions.Mount) ([]string, error) {
	var parts []string
	for _, m := range ms {
		if m.Type != instructions.MountTypeBind {
			continue
		}
		k, err := st.bindKey(ctx, m)
		if err != nil {
			return nil, err
		}
		parts = append(parts, "bind "+m.Target+"="+k)
	}
	return parts, nil
}

// attachMounts resolves every mount's source and returns what the sandbox
// needs; on error everything attached so far is released.
func (st *stageState) attachMounts(ctx context.Context, ms []*instructions.Mount) (*runMounts, error) {
	r := &runMounts{}
	var err error
	for _, m := range ms {
		switch m.Type {
		case instructions.MountTypeBind:
			err = st.attachBind(ctx, r, m)
		case instructions.MountTypeCache:
			err = st.attachCache(ctx, r, m)
		case instructions.MountTypeTmpfs:
			r.add(tmpfsMount(m), nil)
		case instructions.MountTypeSecret:
			err = st.attachSecret(r, m)
		case instructions.MountTypeSSH:
			err = st.attachSSH(r, m)
		default:
			err = fmt.Errorf("--mount=type=%s is not a mount type stagebox knows", m.Type)
		}
		if err != nil {
			r.done()
			return nil, err
		}
	}
	return r, nil
}

// tmpfsMount is a fresh tmpfs; size=0 (the default) is the kernel's
// default limit, half the memory.
func tmpfsMount(m *instructions.Mount) sandbox.Mount {
	sm := sandbox.Mount{Type: sandbox.MountTmpfs, Destination: m.Target, ReadOnly: m.ReadOnly, Options: []string{"mode=1777"}}
	if m.SizeLimit > 0 {
		sm.Options = append(sm.Options, fmt.Sprintf("size=%d", m.SizeLimit))
	}
	return sm
}

// cwd is the stage's WORKDIR, "/" when unset.
func (st *stageState) cwd() string {
	if wd := st.cfg.Config.WorkingDir; wd != "" {
		return wd
	}
	return "/"
}

// fileMode is a mount's mode=, uid= and gid= with the type's defaults.
func fileMode(m *instructions.Mount, mode uint32) (uint32, int, int) {
	uid, gid := 0, 0
	if m.Mode != nil {
		mode = uint32(*m.Mode)
	}
	if m.UID != nil {
		uid = int(*m.UID)
	}
	if m.GID != nil {
		gid = int(*m.GID)
	}
	return mode, uid, gid
}
