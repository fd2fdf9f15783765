package stages

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/sandbox"
	"golang.org/x/sys/unix"
)

// SecretSource is where a bud --secret's value comes from: a file, or an
// environment variable of the stagebox process. It is read only when a
// RUN mounts it, and its value goes nowhere but that RUN.
type SecretSource struct {
	File string
	Env  string
}

func (s SecretSource) read() ([]byte, error) {
	if s.File != "" {
		data, err := os.ReadFile(s.File)
		if err != nil {
			return nil, fmt.Errorf("reading the secret's file: %w", err)
		}
		return data, nil
	}
	v, ok := os.LookupEnv(s.Env)
	if !ok {
		return nil, fmt.Errorf("the secret's environment variable %s is not set", s.Env)
	}
	return []byte(v), nil
}

// attachSecret exposes a secret as a read-only file (mode 0400 and owner
// 0:0 unless mode=, uid=, gid=) and/or, with env=, as an environment
// variable of this RUN. The file lives on a private tmpfs outside the
// rootfs, so the value never touches the layer or the disk; the cache key
// holds only the mount's spelling. A secret that was not given fails a
// required mount and leaves an optional one absent.
func (st *stageState) attachSecret(r *runMounts, m *instructions.Mount) error {
	src, ok := st.b.opts.Secrets[m.CacheID]
	if !ok {
		if m.Required {
			return fmt.Errorf("secret %q is required but was not given: pass bud --secret id=%s,src=FILE (or env=VARIABLE)", m.CacheID, m.CacheID)
		}
		return nil
	}
	data, err := src.read()
	if err != nil {
		return fmt.Errorf("secret %q: %w", m.CacheID, err)
	}
	if m.Env != nil {
		name := *m.Env
		if name == "" {
			name = m.CacheID
		}
		r.env = append(r.env, name+"="+string(data))
	}
	if m.Target == "" {
		return nil
	}
	dir, release, err := st.secretDir()
	if err != nil {
		return err
	}
	file := filepath.Join(dir, "secret")
	mode, uid, gid := fileMode(m, 0o400)
	if err := os.WriteFile(file, data, 0o600); err == nil {
		err = ownRoot(file, mode, uid, gid)
	}
	if err != nil {
		release()
		return fmt.Errorf("secret %q: %w", m.CacheID, err)
	}
	r.add(sandbox.Mount{Source: file, Destination: m.Target, ReadOnly: true}, release)
	return nil
}

// secretDir is a fresh directory for one secret file, on a tmpfs of its own
// when the mount namespace stagebox runs in allows one (it always does as
// root and in stagebox's user namespace), so a secret is never written to
// disk.
func (st *stageState) secretDir() (string, func(), error) {
	dir, err := os.MkdirTemp(st.b.runDir, "secret-")
	if err != nil {
		return "", nil, fmt.Errorf("creating the secret's directory: %w", err)
	}
	err = unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0755,size=16m")
	mounted := err == nil
	if !mounted {
		logrus.Debugf("no tmpfs for a secret here (%v): it is written under the run root %s", err, dir)
	}
	return dir, func() {
		if mounted {
			unix.Unmount(dir, unix.MNT_DETACH)
		}
		os.RemoveAll(dir)
	}, nil
}
