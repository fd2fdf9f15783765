package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

const secretDockerfile = `FROM busybox
RUN --mount=type=secret,id=tok cat /run/secrets/tok | sha256sum > /h1 && stat -c '%a %u:%g' /run/secrets/tok > /mode1
RUN --mount=type=secret,id=tok,target=/etc/tok,mode=0440,uid=1000,gid=1000 stat -c '%a %u:%g' /etc/tok > /mode2
RUN --mount=type=secret,id=envtok,env=TOKEN printf %s "$TOKEN" | sha256sum > /h2 && (test -e /run/secrets/envtok && echo file || echo no-file) > /f2
RUN echo "${TOKEN:-unset}" > /after
RUN --mount=type=secret,id=nope (test -e /run/secrets/nope && echo present || echo absent) > /optional
RUN --mount=type=secret,id=tok head -c 16 /dev/urandom | od -x > /rand
`

// TestRunMountSecret: a secret reaches its RUN as a file (mode 0400 0:0
// unless told) or an environment variable of that RUN alone, and its value
// is in no layer, not in the config or history, not in the output, and not
// in the cache key (a new value reuses the step).
func TestRunMountSecret(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		fileValue, envValue := "file-s3cret-7f3a91", "env-s3cret-c04e2d"
		dir := s.scratch(t, "secret")
		secretFile := filepath.Join(dir, "tok")
		must(t, os.WriteFile(secretFile, []byte(fileValue), 0o600))
		chownTree(t, a, dir)
		env := opts{env: []string{"SB_SECRET_TOKEN=" + envValue}}
		secretArgs := []string{"--secret", "id=tok,src=" + secretFile, "--secret", "id=envtok,env=SB_SECRET_TOKEN"}

		r := s.bud(t, env, secretDockerfile, nil, secretArgs...)
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		img := s.image(t, r.id(t))
		fs := img.Files()
		wantFile(t, fs, "/h1", sha256Line(fileValue))
		wantFile(t, fs, "/mode1", "400 0:0\n")
		wantFile(t, fs, "/mode2", "440 1000:1000\n")
		wantFile(t, fs, "/h2", sha256Line(envValue))
		wantFile(t, fs, "/f2", "no-file\n")
		wantFile(t, fs, "/after", "unset\n")
		wantFile(t, fs, "/optional", "absent\n")
		inNoLayer(t, img, "/run", "/etc/tok")
		for _, v := range []string{fileValue, envValue} {
			if strings.Contains(r.stdout+r.stderr, v) {
				t.Errorf("the secret %q is in the build output", v)
			}
			notInImage(t, img, v)
		}

		t.Run("a new secret value reuses the cached steps", func(t *testing.T) {
			must(t, os.WriteFile(secretFile, []byte("another value"), 0o600))
			again := s.bud(t, env, secretDockerfile, nil, secretArgs...)
			if again.code != 0 {
				t.Fatalf("build failed:\n%s", again)
			}
			if got := s.image(t, again.id(t)).Files(); string(wantPresent(t, got, "/rand").Data) != string(wantPresent(t, fs, "/rand").Data) {
				t.Errorf("a changed secret value ran the step again: the value is part of the cache key")
			}
		})
		t.Run("a missing required secret fails at its line naming the id", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nRUN true\nRUN --mount=type=secret,id=api-key,required=true true\n", nil)
			wantOneLineError(t, r, "Dockerfile:3", `"api-key"`, "required")
		})
		t.Run("bud refuses a --secret it cannot read", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\n", nil, "--secret", "id=x,src="+filepath.Join(dir, "missing"))
			wantOneLineError(t, r, "--secret", "missing")
		})
	})
}

func sha256Line(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:]) + "  -\n"
}

// notInImage fails if value appears in any layer's entries (names, link
// targets, contents), the config (history included), or any file of the
// pushed layout as stored.
func notInImage(t *testing.T, img *ocidir.Image, value string) {
	t.Helper()
	if bytes.Contains(img.RawConfig, []byte(value)) {
		t.Errorf("secret %q found in the image config", value)
	}
	for i, l := range img.Layers {
		for _, e := range l.Entries {
			if strings.Contains(e.Name+e.Linkname, value) || bytes.Contains(e.Data, []byte(value)) {
				t.Errorf("secret %q found in layer %d at %s", value, i, e.Name)
			}
		}
	}
	filepath.Walk(img.Dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(value)) {
				t.Errorf("secret %q found in the pushed layout's %s", value, p)
			}
		}
		return nil
	})
}
