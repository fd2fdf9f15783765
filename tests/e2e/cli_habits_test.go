package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIFlagsAnywhere pins issue 9's first point: flags after positional
// arguments, as docker, podman and buildah take them; `--` ends flags; an
// unknown flag is one line naming the nearest known one.
func TestCLIFlagsAnywhere(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo hi > /hi\n"})

		t.Run("bud CONTEXT -t NAME", func(t *testing.T) {
			s.must(t, "bud", ctx, "-t", "after")
			s.must(t, "bud", ctx, "-qt", "bundled")
			// After --, "--tag=x" is a second context, which bud refuses.
			if r := s.run(t, opts{}, "build", "--", ctx, "--tag=x"); r.code == 0 || !strings.Contains(r.stderr, "got 2 arguments") {
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
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo hi > /hi\n"})
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
