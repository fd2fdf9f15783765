package e2e

import (
	"archive/tar"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A build context, a stage's rootfs and a destination rootfs are whatever
// a stranger made them; these tests plant symlinks and ".." paths that
// point at a canary directory on the host and prove that no read leaves
// the context or source rootfs and no write leaves the destination rootfs.

// TestContextSymlinksPointingOutAreNotFollowed: a symlink in the context
// resolves inside the context, as if the context were "/".
func TestContextSymlinksPointingOutAreNotFollowed(t *testing.T) {
	c := newCanary(t)
	links := map[string]string{
		"abs":      c.path("secret"),
		"climb":    "../../../../../../../../.." + c.path("secret"),
		"rootlink": "/",
		"absdir":   c.dir,
		"procself": "/proc/self/root" + c.path("secret"),
	}
	sources := []string{"abs", "climb", "rootlink" + c.path("secret"), "absdir/secret", "absdir", "procself", "absd*/secret", "*/secret"}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, src := range sources {
			ctx := s.contextWithLinks(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY " + src + " /x\n"}, links)
			c.wantFailure(t, s.run(t, opts{}, "bud", ctx), "Dockerfile:2", "no such file")
		}
		// The links themselves are copied as links, never their targets.
		ctx := s.contextWithLinks(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY . /ctx/\n", "a.txt": "a\n"}, links)
		fs := s.image(t, s.must(t, "bud", ctx).id(t)).Files()
		c.notInImage(t, fs)
		if e := wantPresent(t, fs, "/ctx/abs"); e.Typeflag != tar.TypeSymlink || e.Linkname != c.path("secret") {
			t.Errorf("/ctx/abs: type %c -> %q, want the symlink as written", e.Typeflag, e.Linkname)
		}
		c.unchanged(t)
	})
}

// TestSourcesClimbingOutOfTheContextStayInIt: ".." in a source never
// leaves the context (docker clamps it to the context root, and so does
// stagebox); an absolute source is relative to the context.
func TestSourcesClimbingOutOfTheContextStayInIt(t *testing.T) {
	c := newCanary(t)
	rel, err := filepath.Rel(workDir, c.path("secret"))
	must(t, err)
	cases := map[string]string{
		"../../" + rel:                       "no such file or directory in the build context",
		"sub/../../../" + rel:                "no such file or directory in the build context",
		"./../x":                             "no such file or directory in the build context",
		"/../../../../.." + c.path("secret"): "no such file",
		c.path("secret"):                     "no such file",
	}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for src, want := range cases {
			r := s.bud(t, opts{}, "FROM busybox\nCOPY "+src+" /x\n", map[string]string{"sub/a": "a\n"})
			c.wantFailure(t, r, "Dockerfile:2", want)
		}
	})
}

// TestDockerfileOutsideOrLinkedOutOfTheContext: -f may name a file outside
// the context (the operator's own), but a Dockerfile in the context that
// links out of it is resolved inside the context: a host file such as
// /etc/shadow must not be parsed and echoed back in an error.
func TestDockerfileOutsideOrLinkedOutOfTheContext(t *testing.T) {
	c := newCanary(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		outside := filepath.Join(s.scratch(t, "df"), "build.Dockerfile")
		must(t, os.WriteFile(outside, []byte("FROM busybox\nCOPY a.txt /a.txt\n"), 0o644))
		ctx := s.context(t, map[string]string{"a.txt": "from the context\n"})
		fs := s.image(t, s.must(t, "bud", "-f", outside, ctx).id(t)).Files()
		wantFile(t, fs, "/a.txt", "from the context\n")

		linked := s.contextWithLinks(t, map[string]string{"a.txt": "a\n"}, map[string]string{"Dockerfile": c.path("Dockerfile")})
		c.wantFailure(t, s.run(t, opts{}, "bud", linked), "Dockerfile", "does not exist in the build context")
		c.wantFailure(t, s.run(t, opts{}, "bud", "-f", filepath.Join(linked, "Dockerfile"), linked), "does not exist in the build context")
		c.unchanged(t)
	})
}

// TestDockerignoredFilesAreNeverReadable: whatever path, glob or symlink
// names an ignored file, it is not in the context as far as a build can
// see. A .dockerignore linking to a host file is not read either.
func TestDockerignoredFilesAreNeverReadable(t *testing.T) {
	c := newCanary(t)
	files := map[string]string{
		"secret/key":    c.token + "\n",
		"secret.env":    c.token + "\n",
		"a.txt":         "a\n",
		".dockerignore": "secret\nsecret.env\n",
	}
	links := map[string]string{"keylink": "secret/key", "self": ".", "secdir": "secret", "abskey": "/secret/key"}
	sources := []string{"secret", "secret/key", "secret.env", "keylink", "abskey", "self/secret/key", "secdir", "secdir/*",
		"sec*", "self/sec*", "./secret/../secret/key", "secret/", "[s]ecret/key", "s?cret.env"}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, src := range sources {
			f := map[string]string{"Dockerfile": "FROM busybox\nCOPY " + src + " /x/\n"}
			for k, v := range files {
				f[k] = v
			}
			ctx := s.contextWithLinks(t, f, links)
			c.wantFailure(t, s.run(t, opts{}, "bud", ctx), "Dockerfile:2", "no such file")
		}
		f := map[string]string{"Dockerfile": "FROM busybox\nCOPY . /ctx/\nADD . /add/\n"}
		for k, v := range files {
			f[k] = v
		}
		fs := s.image(t, s.must(t, "bud", s.contextWithLinks(t, f, links)).id(t)).Files()
		c.notInImage(t, fs)
		wantFile(t, fs, "/ctx/a.txt", "a\n")

		// The canary's "ignore" file says "*": were it read, a.txt would go.
		ctx := s.contextWithLinks(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY a.txt /a.txt\n", "a.txt": "a\n"},
			map[string]string{".dockerignore": c.path("ignore")})
		r := s.run(t, opts{}, "bud", ctx)
		c.notIn(t, "stagebox's output", r.stdout+r.stderr)
		if r.code != 0 {
			t.Errorf("a .dockerignore linking out of the context was followed:\n%s", r)
		}
	})
}

// TestFromStageSymlinksResolveInsideTheStage: COPY --from reads a stage's
// rootfs as if it were "/", whatever links the stage planted.
func TestFromStageSymlinksResolveInsideTheStage(t *testing.T) {
	c := newCanary(t)
	stage := fmt.Sprintf("FROM busybox AS src\nRUN ln -s %[1]s/secret /abs && ln -s ../../../../../../../..%[1]s/secret /up && "+
		"ln -s / /rootlink && ln -s %[1]s /absdir && ln -s /proc/self/root%[1]s/secret /proclink\nFROM busybox\n", c.dir)
	sources := []string{"/abs", "/up", "/rootlink" + c.path("secret"), "/absdir/secret", "/proclink", "/rootlink/proc/1/root" + c.path("secret")}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, src := range sources {
			r := s.bud(t, opts{}, stage+"COPY --from=src "+src+" /x\n", nil)
			c.wantFailure(t, r, "Dockerfile:4", "no such file")
		}
	})
}

// TestDestinationSymlinksStayInTheImage: COPY, ADD, WORKDIR and RUN's
// bind mounts write through symlinks planted in the destination rootfs
// (absolute, climbing, through /proc) into the rootfs, never the host.
func TestDestinationSymlinksStayInTheImage(t *testing.T) {
	c := newCanary(t)
	dockerfile := fmt.Sprintf(`FROM busybox
RUN ln -s %[1]s /dst && ln -s %[1]s/secret /dstfile && ln -s ../../../../../../../..%[1]s /updst && ln -s /proc/self/root%[1]s /procdst
COPY a.txt /dst/
COPY a.txt /dst/secret
COPY a.txt /dstfile
COPY a.txt /updst/sub/file
COPY a.txt /procdst/secret
ADD arch.tar /dst/
WORKDIR /dst/wd
WORKDIR /procdst/wd2
COPY etc/ /etc/
RUN cat /etc/hosts > /seen-hosts && echo written >> /etc/hosts && echo written >> /etc/resolv.conf && echo pwned > /dst/pwned
`, c.dir)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.contextWithLinks(t,
			map[string]string{"Dockerfile": dockerfile, "a.txt": "a\n", "arch.tar": tarOf(map[string]string{"secret": "from the archive\n"})},
			map[string]string{
				"etc/hosts":       c.path("secret"),
				"etc/resolv.conf": "../../../../../../../.." + c.path("sub/file"),
				"etc/hostname":    c.path("hostname"),
			})
		fs := s.image(t, s.must(t, "bud", ctx).id(t)).Files()
		c.unchanged(t)
		c.notInImage(t, fs)
		wantFile(t, fs, c.path("a.txt"), "a\n")
		wantFile(t, fs, c.path("secret"), "from the archive\n")
		wantFile(t, fs, c.path("pwned"), "pwned\n")
		wantPresent(t, fs, c.path("wd"))
	})
}

// tarOf is a plain tar of files, as a string for a context.
func tarOf(files map[string]string) string {
	return string(tarBytes(files))
}
