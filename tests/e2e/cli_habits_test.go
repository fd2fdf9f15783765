package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCLIFlagsAnywhere pins issue 9's first point: flags after positional
// arguments, as docker, podman and buildah take them; `--` ends flags; an
// unknown flag is one line naming the nearest known one.
func TestCLIFlagsAnywhere(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := cliStore(t, a)

		t.Run("bud CONTEXT -t NAME", func(t *testing.T) {
			s.must(t, "bud", ctx, "-t", "after")
			s.must(t, "bud", ctx, "-qt", "bundled")
			// After --, "--tag=x" is a second context, which bud refuses.
			if r := s.run(t, opts{}, "build", "--", ctx, "--tag=x"); r.code == 0 || !strings.Contains(r.stderr, `got 2: `) || !strings.Contains(r.stderr, `"--tag=x"`) {
				t.Errorf("a word after -- was taken as a flag:\n%s", r)
			}
			imgs := s.images(t)
			for _, want := range []string{"localhost/after", "localhost/bundled"} {
				if !strings.Contains(imgs, want) {
					t.Errorf("images lacks %s:\n%s", want, imgs)
				}
			}
		})
		t.Run("push IMAGE DEST --format", func(t *testing.T) {
			dir := filepath.Join(s.scratch(t, "oci"), "layout")
			s.must(t, "push", "after", "oci:"+dir+":img", "--format", "oci")
		})
		t.Run("unknown flag names the nearest", func(t *testing.T) {
			r := s.run(t, opts{}, "bud", ctx, "--tga", "x")
			want := "Error: unknown flag --tga for bud: did you mean --tag?"
			if r.code == 0 || strings.TrimSpace(r.stderr) != want {
				t.Errorf("want exactly %q:\n%s", want, r)
			}
		})
	})
}

// TestCLIValidatesBeforeWork pins issue 9's second point: a bad flag value
// fails before the first step, naming the flag, never the Dockerfile.
func TestCLIValidatesBeforeWork(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := cliStore(t, a)
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"-t", "MyApp"}, `-t "MyApp": invalid reference format: repository name must be lowercase`},
			{[]string{"-t", "a:b:c"}, `-t "a:b:c": invalid reference format`},
			{[]string{"--build-arg", "=x"}, `--build-arg "=x"`},
			{[]string{"--secret", "id=s"}, `--secret "id=s"`},
			{[]string{"--output", "type=nope"}, `--output`},
			{[]string{"--jobs", "x"}, `invalid value "x" for flag --jobs`},
			{[]string{"--iidfile", "/nonexistent-dir/iid"}, `--iidfile "/nonexistent-dir/iid"`},
		} {
			r := s.run(t, opts{}, append([]string{"bud", ctx}, c.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%v: want an error with %q:\n%s", c.args, c.want, r)
			}
			if strings.Contains(r.stderr, "Dockerfile") || strings.Contains(r.stderr, "STEP") {
				t.Errorf("%v: failed after work began or blamed the Dockerfile:\n%s", c.args, r)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
				t.Errorf("%v: error is %d lines, want one:\n%s", c.args, n+1, r)
			}
		}
	})
}

// TestCLIOneVoice pins issue 9's eighth point: plain warning lines, the
// interrupt line, COMMIT with the ID, the pull flag named as the command
// has it, push's digest, and docker-archive pushes that keep a name.
func TestCLIOneVoice(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := cliStore(t, a)

		t.Run("warnings are plain lines", func(t *testing.T) {
			r := s.must(t, "bud", ctx, "--build-arg", "NOTUSED=1")
			if !strings.Contains(r.stderr, "warning: build argument \"NOTUSED\" was not consumed") || strings.Contains(r.stderr, "level=") {
				t.Errorf("want a plain warning line:\n%s", r)
			}
			r = s.must(t, "--log-level", "debug", "bud", ctx, "--build-arg", "NOTUSED=1")
			if !strings.Contains(r.stderr, "level=warning") {
				t.Errorf("--log-level debug keeps logrus' fields:\n%s", r)
			}
		})
		t.Run("bud without -t says COMMIT with the ID", func(t *testing.T) {
			r := s.must(t, "bud", ctx)
			if want := "COMMIT sha256:" + r.id(t); !strings.Contains(r.stderr, want) {
				t.Errorf("want %q:\n%s", want, r)
			}
		})
		t.Run("pull names --policy", func(t *testing.T) {
			r := s.run(t, opts{}, "pull", "not-here", "--policy", "never")
			if r.code == 0 || !strings.Contains(r.stderr, "--policy=never") || strings.Contains(r.stderr, "--pull") {
				t.Errorf("want the error to name --policy:\n%s", r)
			}
		})
		t.Run("push prints the digest", func(t *testing.T) {
			dir := s.scratch(t, "push")
			digestFile := filepath.Join(dir, "digest")
			r := s.must(t, "push", "busybox", "oci:"+filepath.Join(dir, "layout")+":img", "--digestfile", digestFile)
			d, err := os.ReadFile(digestFile)
			must(t, err)
			if strings.TrimSpace(r.stdout) != string(d) || !strings.Contains(r.stderr, "Writing manifest "+string(d)) {
				t.Errorf("want the digest %s on stdout and in the Writing manifest line:\n%s", d, r)
			}
		})
		t.Run("docker-archive without REF keeps the image's name", func(t *testing.T) {
			archive := filepath.Join(s.scratch(t, "archive"), "img.tar")
			s.must(t, "push", "busybox", "docker-archive:"+archive)
			out, err := exec.Command("tar", "-xOf", archive, "manifest.json").Output()
			must(t, err)
			if !strings.Contains(string(out), `"RepoTags":["localhost/busybox:latest"]`) {
				t.Errorf("manifest.json does not name the image: %s", out)
			}
		})
		t.Run("an interrupt says nothing was committed", func(t *testing.T) {
			ictx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN sleep 4174\n"})
			r := s.interrupt(t, ictx, func(string) bool { return len(processesRunning(napper)) > 0 }, syscall.SIGINT, "bud", ictx)
			if !strings.Contains(r.stdout, "interrupted (SIGINT): nothing was committed") || r.code != 130 {
				t.Errorf("want exit 130 and the interrupt line:\n%s", r.result)
			}
		})
	})
}

// cliStore is a store with busybox and a one-RUN context, what every CLI
// habit test starts from.
func cliStore(t *testing.T, a *account) (*store, string) {
	t.Helper()
	s := newStore(t, a)
	s.busybox(t)
	return s, s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo hi > /hi\n"})
}
