package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunDockerHabits: docker's run flags do what docker does with them.
func TestRunDockerHabits(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.build(t, "FROM busybox\nENTRYPOINT [\"echo\", \"ep\"]\nCMD [\"from-cmd\"]\nENV A=image\n", nil, "-t", "habits")
		if out := s.must(t, "run", "--rm", "habits").stdout; out != "ep from-cmd\n" {
			t.Errorf("ENTRYPOINT + CMD printed %q", out)
		}
		if out := s.must(t, "run", "-i", "--name", "box-1", "--entrypoint", "cat", "habits", "/etc/hostname").stdout; out != "box-1\n" {
			t.Errorf("--name gave the hostname %q, want box-1 (and --entrypoint must drop CMD)", out)
		}
		if out := s.must(t, "run", "--entrypoint", "", "-w", "/tmp/made", "habits", "pwd").stdout; out != "/tmp/made\n" {
			t.Errorf("-w gave the directory %q", out)
		}
		envDir := s.scratch(t, "env")
		writeTree(t, envDir, map[string]string{"vars": "# a comment\n\nA=from-file\nB=two words\n"})
		envFile := filepath.Join(envDir, "vars")
		out := s.must(t, "run", "--env-file", envFile, "-e", "B=flag", "--entrypoint", "sh", "habits", "-c", `echo "$A|$B"`).stdout
		if out != "from-file|flag\n" {
			t.Errorf("--env-file then -e gave %q, want the file over the image and -e over the file", out)
		}

		rw, ro := s.scratch(t, "rw"), s.scratch(t, "ro")
		writeTree(t, ro, map[string]string{"in": "host-data\n"})
		chownTree(t, a, ro)
		out = s.must(t, "run", "-v", rw+":/data", "-v", ro+":/ro:ro", "--entrypoint", "sh", "habits", "-c", "cat /ro/in; echo made > /data/out").stdout
		if out != "host-data\n" {
			t.Errorf("the :ro volume read %q", out)
		}
		if got, err := os.ReadFile(filepath.Join(rw, "out")); err != nil || string(got) != "made\n" {
			t.Errorf("the rw volume's file on the host: %q, %v", got, err)
		}
		if r := s.run(t, opts{}, "run", "-v", ro+":/ro:ro", "--entrypoint", "touch", "habits", "/ro/x"); r.code == 0 {
			t.Errorf("writing into a :ro volume succeeded:\n%s", r)
		}
		for _, bad := range [][]string{{"-v", "relative-only"}, {"-v", ro + ":/x:rx"}, {"-w", "rel"}, {"--name", "-bad"}, {"--env-file", "/nonexistent"}} {
			r := s.run(t, opts{}, append(append([]string{"run"}, bad...), "habits")...)
			if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
				t.Errorf("run %q: want a short refusal:\n%s", bad, r)
			}
		}
	})
}
