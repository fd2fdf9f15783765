package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/fixtures"
)

// TestBuildContexts pins bud --build-context NAME=DIR|docker-image://REF|
// oci-layout://DIR[:TAG] (BuildKit's named contexts): FROM NAME, COPY
// --from=NAME, a stage of the same name replaced, a directory read with
// its own .dockerignore and the main context's containment.
func TestBuildContexts(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		id := s.busybox(t)
		s.must(t, "tag", id, "othername")
		extra := s.context(t, map[string]string{
			"lib.txt": "lib\n", "secret.txt": "extra's own ignore\n", "which": "from-context\n",
			".dockerignore": "secret.txt\n",
		})
		must(t, os.WriteFile(filepath.Join(filepath.Dir(extra), "beside.txt"), []byte("beside the context\n"), 0o644))
		must(t, os.Symlink("../beside.txt", filepath.Join(extra, "escape")))
		main := map[string]string{".dockerignore": "lib.txt\nwhich\n"}
		ctxFlag := "extra=" + extra

		t.Run("COPY --from a directory: its own .dockerignore, not the main one's", func(t *testing.T) {
			id := s.build(t, "FROM busybox\nCOPY --from=extra . /extra/\nCOPY --from=extra ../lib.txt /clamped\n", main, "--build-context", ctxFlag)
			fs := s.image(t, id).Files()
			wantFile(t, fs, "/extra/lib.txt", "lib\n")
			wantFile(t, fs, "/extra/which", "from-context\n")
			wantAbsent(t, fs, "/extra/secret.txt")
			wantFile(t, fs, "/clamped", "lib\n")
			wantOwner(t, fs, "/extra/lib.txt", 0, 0)
		})
		t.Run("a symlink in a directory context resolves inside it", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nCOPY --from=extra escape /esc\n", main, "--build-context", ctxFlag)
			wantOneLineError(t, r, "Dockerfile:2", "escape", "no such file")
			if strings.Contains(r.String(), "beside the context") {
				t.Errorf("a file beside the context was read:\n%s", r)
			}
		})
		t.Run("FROM a directory: its files on docker's empty config", func(t *testing.T) {
			id := s.build(t, "FROM extra\nCOPY --from=busybox /bin/busybox /bin/busybox\n", nil, "--build-context", ctxFlag)
			img := s.image(t, id)
			wantFile(t, img.Files(), "/lib.txt", "lib\n")
			wantAbsent(t, img.Files(), "/secret.txt")
			if c := img.Config.Config; c.WorkingDir != "/" || !slices.ContainsFunc(c.Env, func(e string) bool { return strings.HasPrefix(e, "PATH=") }) {
				t.Errorf("config = %+v, want WorkingDir / and a PATH", c)
			}
		})
		t.Run("a stage of the same name is replaced and runs nothing", func(t *testing.T) {
			df := "FROM busybox AS extra\nRUN echo from-stage > /which\nFROM busybox\nCOPY --from=extra /which /which\n"
			r := s.bud(t, opts{}, df, main, "--build-context", ctxFlag)
			if r.code != 0 {
				t.Fatalf("build failed:\n%s", r)
			}
			if strings.Contains(r.stderr, "echo from-stage") {
				t.Errorf("the replaced stage ran:\n%s", r)
			}
			wantFile(t, s.image(t, r.id(t)).Files(), "/which", "from-context\n")
		})
		t.Run("docker-image:// for FROM and COPY --from", func(t *testing.T) {
			df := "FROM base\nRUN echo built > /built\nCOPY --from=tools /bin/busybox /tools-busybox\n"
			id := s.build(t, df, nil, "--build-context", "base=docker-image://othername", "--build-context", "tools=docker-image://othername", "--pull=never")
			fs := s.image(t, id).Files()
			wantFile(t, fs, "/built", "built\n")
			wantPresent(t, fs, "/tools-busybox")
		})
		t.Run("oci-layout://DIR:TAG", func(t *testing.T) {
			df := "FROM ocibase\nCOPY --from=ocibase /etc/passwd /copied-passwd\n"
			id := s.build(t, df, nil, "--build-context", "ocibase=oci-layout://"+busyboxLayout+":"+fixtures.Tag)
			fs := s.image(t, id).Files()
			wantPresent(t, fs, "/copied-passwd")
			wantPresent(t, fs, "/bin/busybox")
		})
		t.Run("a bad value fails in one line naming it", func(t *testing.T) {
			for _, v := range []string{"x=ftp://host/ctx", "x=" + filepath.Join(extra, "missing"), "novalue"} {
				r := s.bud(t, opts{}, "FROM busybox\n", nil, "--build-context", v)
				wantOneLineError(t, r, "--build-context")
			}
		})
	})
}
