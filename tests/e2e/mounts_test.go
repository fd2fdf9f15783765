package e2e

import (
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// mountTargets are the paths the mount scenarios mount on; none existed in
// busybox, and none may be left in a layer (BuildKit removes the
// mountpoints it had to create).
var mountTargets = []string{"/in.txt", "/ctx", "/b", "/t", "/run", "/deep", "/cache", "/c"}

func TestRunMountBindAndTmpfs(t *testing.T) {
	runScenarios(t, []scenario{{
		name: "bind from the context (file and directory), from a stage, rw writes discarded, tmpfs",
		dockerfile: `FROM busybox AS seed
RUN mkdir /s && echo seeded > /s/x
FROM busybox
RUN --mount=type=bind,source=in.txt,target=/in.txt cat /in.txt > /out
RUN --mount=type=bind,target=/ctx cat /ctx/sub/f > /subf && (touch /ctx/ro-write 2>/dev/null && echo writable || echo read-only) > /ro
RUN --mount=type=bind,target=/ctx,rw echo x > /ctx/new && cat /ctx/new > /wrote
RUN --mount=type=bind,target=/ctx test -e /ctx/new && echo kept > /second || echo discarded > /second
RUN --mount=type=bind,from=seed,source=/s,target=/b,rw cat /b/x > /fromstage && echo y > /b/x
RUN --mount=type=bind,from=seed,source=/s,target=/b cat /b/x > /fromstage2
RUN --mount=type=bind,from=busybox,source=/etc/passwd,target=/deep/er/passwd grep -c root /deep/er/passwd > /fromimage
RUN --mount=type=tmpfs,target=/t,size=1m grep ' /t ' /proc/mounts > /m && echo x > /t/f
WORKDIR /w
RUN --mount=type=tmpfs,target=rel grep -c ' /w/rel ' /proc/mounts > /relative
`,
		files: map[string]string{"in.txt": "hello\n", "sub/f": "in a directory\n"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/out", "hello\n")
			wantFile(t, b.files, "/subf", "in a directory\n")
			wantFile(t, b.files, "/ro", "read-only\n")
			wantFile(t, b.files, "/wrote", "x\n")
			wantFile(t, b.files, "/second", "discarded\n")
			wantFile(t, b.files, "/fromstage", "seeded\n")
			wantFile(t, b.files, "/fromstage2", "seeded\n")
			wantFile(t, b.files, "/fromimage", "1\n")
			wantFile(t, b.files, "/relative", "1\n")
			if m := wantPresent(t, b.files, "/m"); !strings.Contains(string(m.Data), "tmpfs") || !strings.Contains(string(m.Data), "size=1024k") {
				t.Errorf("/t is not a 1 MiB tmpfs: %q", m.Data)
			}
			inNoLayer(t, b.img, append(mountTargets, "/w/rel")...)
		},
	}, {
		name: "a bind of the context hides what .dockerignore excludes, read-only still",
		dockerfile: `FROM busybox
RUN --mount=type=bind,target=/ctx ls /ctx > /listed && (touch /ctx/x 2>/dev/null && echo writable || echo read-only) > /ro
`,
		files: map[string]string{".dockerignore": "ignored.txt\n", "ignored.txt": "x\n", "kept.txt": "y\n"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/listed", "Dockerfile\nkept.txt\n")
			wantFile(t, b.files, "/ro", "read-only\n")
		},
	}}, nil)
}

// inNoLayer fails if any layer of img has an entry at or under a path.
func inNoLayer(t *testing.T, img *ocidir.Image, paths ...string) {
	t.Helper()
	for i, l := range img.Layers {
		for _, e := range l.Entries {
			name := ocidir.Clean(e.Name)
			for _, p := range paths {
				if name == p || strings.HasPrefix(name, p+"/") {
					t.Errorf("layer %d holds %s, left by a mount on %s", i, name, p)
				}
			}
		}
	}
}

// TestRunMountBindCacheKey: what a bind mount shows is part of the step's
// cache key, so a changed bound file runs the step again.
func TestRunMountBindCacheKey(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{
			"Dockerfile": "FROM busybox\nRUN --mount=type=bind,source=in.txt,target=/in.txt cat /in.txt > /out && head -c 16 /dev/urandom | od -x > /rand\n",
			"in.txt":     "one\n",
		})
		build := func() ocidir.Files { return s.image(t, s.must(t, "bud", ctx).id(t)).Files() }
		rand := func(fs ocidir.Files) string { e, _ := fs.Get("/rand"); return string(e.Data) }
		first := build()
		if again := build(); rand(again) != rand(first) {
			t.Errorf("an unchanged bound file missed the cache")
		}
		writeTree(t, ctx, map[string]string{"in.txt": "two\n"})
		chownTree(t, a, ctx)
		changed := build()
		wantFile(t, changed, "/out", "two\n")
		if rand(changed) == rand(first) {
			t.Errorf("a changed bound file hit the cache")
		}
	})
}

// TestRunFlagsRefusedAtTheirLine: what stagebox does not do fails at the
// instruction's line, naming the reason; per-RUN --network and
// --security=sandbox work.
func TestRunFlagsRefusedAtTheirLine(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, c := range []struct{ run, want string }{
			{"RUN --security=insecure true", "--security=insecure is refused"},
			{"RUN --device=/dev/null true", "RUN --device is not supported"},
			{"RUN --mount=type=cache,target=/c,colour=red true", "unexpected key 'colour'"},
			{"RUN --mount=type=tmpfs,target=/t,source=x true", "option source does not apply"},
			{"RUN --mount=type=bind,source=missing,target=/m true", "no such file or directory in the build context"},
			{"RUN --mount=type=bind,source=out/passwd,target=/p true", "leads out of the build context"},
			{"RUN --mount=type=bind,target=/x,from=nosuchstage true", "nosuchstage"},
			{"RUN --mount=type=cache,target=/c --mount=type=cache,target=/d,id=/c true", "mounted twice"},
		} {
			t.Run(c.run, func(t *testing.T) {
				ctx := s.contextWithLinks(t, map[string]string{"Dockerfile": "FROM busybox\n" + c.run + "\n"}, map[string]string{"out": "/etc"})
				r := s.run(t, opts{}, "bud", "--pull", "never", ctx)
				wantOneLineError(t, r, "Dockerfile:2", c.want)
			})
		}
		fs := s.image(t, s.build(t, "FROM busybox\nRUN --network=none --security=sandbox cat /proc/net/dev > /none\nRUN --network=default cat /proc/net/dev > /default\n", nil)).Files()
		wantStrings(t, "interfaces with RUN --network=none", interfaces(string(wantPresent(t, fs, "/none").Data)), []string{"lo"})
		if n := interfaces(string(wantPresent(t, fs, "/default").Data)); len(n) < 2 {
			t.Errorf("RUN --network=default under bud's default host network saw only %v", n)
		}
	})
}
