package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// TestBuildahBudFlags covers the bud flags buildah users expect (issue 12,
// item 11), each checked in the pushed image.
func TestBuildahBudFlags(t *testing.T) {
	runScenarios(t, []scenario{{
		name:       "--annotation lands in the manifest",
		dockerfile: "FROM busybox\nRUN true\n",
		args:       []string{"--annotation", "org.example.a=1", "--annotation", "b=two words"},
		check: func(t *testing.T, b built) {
			wantMap(t, "manifest annotations", b.img.Manifest.Annotations, map[string]string{"org.example.a": "1", "b": "two words"})
		},
	}, {
		name:       "--unsetenv and --unsetlabel drop what the Dockerfile and base set",
		dockerfile: "FROM busybox\nENV KEEP=1 DROP=2\nLABEL keep=1 drop=2\n",
		args:       []string{"--unsetenv", "DROP", "--unsetlabel", "drop", "--identity-label=false"},
		check: func(t *testing.T, b built) {
			wantEnv(t, b, "KEEP=1")
			for _, e := range b.img.Config.Config.Env {
				if strings.HasPrefix(e, "DROP=") {
					t.Errorf("Env still has %s", e)
				}
			}
			wantMap(t, "Labels", b.img.Config.Config.Labels, map[string]string{"keep": "1"})
		},
	}, {
		name:       "the identity label by default",
		dockerfile: "FROM busybox\nLABEL mine=1\n",
		check: func(t *testing.T, b built) {
			if v := b.img.Config.Config.Labels["io.stagebox.version"]; v == "" {
				t.Errorf("no io.stagebox.version label: %v", b.img.Config.Config.Labels)
			}
		},
	}, {
		name:       "--omit-history",
		dockerfile: "FROM busybox\nRUN touch /x\nENV A=1\n",
		args:       []string{"--omit-history"},
		check: func(t *testing.T, b built) {
			if h := b.img.Config.History; len(h) != 0 {
				t.Errorf("history %+v, want none", h)
			}
			wantPresent(t, b.files, "/x")
		},
	}, {
		name:       "--add-host adds to every RUN's /etc/hosts, which stays out of the layer",
		dockerfile: "FROM busybox\nRUN cat /etc/hosts > /hosts.seen\n",
		args:       []string{"--add-host", "myhost:10.1.2.3", "--add-host", "other:10.4.5.6"},
		check: func(t *testing.T, b built) {
			e, _ := b.files.Get("/hosts.seen")
			for _, want := range []string{"10.1.2.3\tmyhost\n", "10.4.5.6\tother\n", "localhost"} {
				if !strings.Contains(string(e.Data), want) {
					t.Errorf("/etc/hosts in the RUN lacks %q:\n%s", want, e.Data)
				}
			}
			wantAbsent(t, b.files, "/etc/hosts")
		},
	}, {
		name:       "--no-hosts: the RUN sees the image's own /etc/hosts",
		dockerfile: "FROM busybox\nRUN echo '192.0.2.1 own' > /etc/hosts\nRUN cat /etc/hosts > /hosts.seen\n",
		args:       []string{"--no-hosts"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/hosts.seen", "192.0.2.1 own\n")
		},
	}, {
		name:       "--ulimit sets the RUN's resource limits",
		dockerfile: "FROM busybox\nRUN ulimit -Sn > /soft && ulimit -Hn > /hard\n",
		args:       []string{"--ulimit", "nofile=100:200"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/soft", "100\n")
			wantFile(t, b.files, "/hard", "200\n")
		},
	}, {
		name:       "# syntax= and # check= are accepted",
		dockerfile: "# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended;error=true\nFROM busybox\nRUN echo ok > /ok\n",
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/ok", "ok\n")
		},
	}}, nil)
}

// TestBuildahBudFlagsOutsideTheImage covers the flags whose effect shows in
// the build's behaviour: --build-arg-file, --cache-ttl, a foreign # syntax
// frontend's warning, and the refusals.
func TestBuildahBudFlagsOutsideTheImage(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{
			"Dockerfile":        randomDockerfile,
			"input":             "one\n",
			"args.env":          "# build args\nV=fromfile\n\nW=file\n",
			"args.Dockerfile":   "FROM busybox\nARG V\nARG W\nRUN echo $V $W > /vw\n",
			"syntax.Dockerfile": "# syntax=example.com/my/frontend:2\nFROM busybox\nRUN true\n",
		})
		build := func(t *testing.T, args ...string) (result, ocidir.Files) {
			t.Helper()
			r := s.must(t, append(append([]string{"bud"}, args...), ctx)...)
			return r, s.image(t, r.id(t)).Files()
		}
		t.Run("--build-arg-file, under --build-arg", func(t *testing.T) {
			_, fs := build(t, "--build-arg-file", filepath.Join(ctx, "args.env"), "--build-arg", "W=flag", "-f", filepath.Join(ctx, "args.Dockerfile"))
			wantFile(t, fs, "/vw", "fromfile flag\n")
		})
		t.Run("--cache-ttl", func(t *testing.T) {
			rand := func(fs ocidir.Files) string { e, _ := fs.Get("/rand"); return string(e.Data) }
			_, first := build(t)
			if _, fs := build(t, "--cache-ttl", "1h"); rand(fs) != rand(first) {
				t.Errorf("--cache-ttl 1h did not use an entry made just now")
			}
			if _, fs := build(t, "--cache-ttl", "1ns"); rand(fs) == rand(first) {
				t.Errorf("--cache-ttl 1ns used an older entry")
			}
			_, last := build(t)
			if _, fs := build(t, "--cache-ttl", "0"); rand(fs) == rand(last) {
				t.Errorf("--cache-ttl 0 used the cache; buildah makes it --no-cache")
			}
		})
		t.Run("a frontend image in # syntax= earns one warning line", func(t *testing.T) {
			r, _ := build(t, "-f", filepath.Join(ctx, "syntax.Dockerfile"))
			wantOneWarning(t, r, "example.com/my/frontend:2", "syntax.Dockerfile:1")
		})
		t.Run("refusals", func(t *testing.T) {
			wantRefusal(t, s.run(t, opts{}, "bud", "--no-hosts", "--add-host", "a:1.2.3.4", ctx), "--no-hosts")
			wantRefusal(t, s.run(t, opts{}, "bud", "--add-host", "nocolon", ctx), "nocolon")
			wantRefusal(t, s.run(t, opts{}, "bud", "--ulimit", "bogus=1", ctx), "bogus")
			wantRefusal(t, s.run(t, opts{}, "bud", "--build-arg-file", filepath.Join(ctx, "missing.env"), ctx), "missing.env")
		})
	})
}

// TestRunResourceLimits: --memory and --cpu-shares limit RUN through
// cgroups as root; rootless, where cgroups are not stagebox's to write,
// the build says in one line that they are not applied.
func TestRunResourceLimits(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		const hog = "FROM busybox\nRUN dd if=/dev/zero of=/dev/null bs=64M count=1\n"
		if a.name == "root" {
			r := s.bud(t, opts{}, hog, nil, "--memory", "8m")
			if r.code == 0 || !strings.Contains(r.stderr, "status 137") {
				t.Errorf("a RUN needing 64 MiB under --memory 8m was not killed:\n%s", r)
			}
			s.build(t, hog, nil, "--memory", "256m", "--cpu-shares", "512")
			return
		}
		r := s.bud(t, opts{}, hog, nil, "--memory", "8m", "--cpu-shares", "512")
		wantOneWarning(t, r, "--memory", "not applied")
	})
}
