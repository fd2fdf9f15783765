package e2e

import (
	"os"
	"testing"
)

// prootBase pulls the OCI layout's latest image and tags it name, all
// under the proot tier, and returns the options that keep later commands
// on it.
func (s *store) prootBase(t *testing.T, layout, name string) opts {
	t.Helper()
	env := opts{env: []string{"STAGEBOX_ISOLATION=proot"}}
	pull := s.run(t, env, "pull", "-q", "oci:"+layout+":latest")
	if pull.code != 0 {
		t.Fatalf("pull failed:\n%s", pull)
	}
	s.must(t, "--isolation", "proot", "tag", pull.id(t), name)
	return env
}

// TestProotGoLookPathSeesTheRootfs: Go's exec.LookPath (what `go build`
// uses to find its compiler) checks files with faccessat2, which proot 5.x
// does not translate, so the check ran against the host's tree and failed
// for a file that exists only in the rootfs. stagebox's proot reaper
// answers faccessat2 with ENOSYS (a seccomp filter), and Go falls back to
// fstatat, which proot translates.
func TestProotGoLookPathSeesTheRootfs(t *testing.T) {
	const dir = "/stagebox-only-in-the-image"
	if _, err := os.Stat(dir); err == nil {
		t.Fatalf("%s exists on the host: the test could not tell the rootfs from the host", dir)
	}
	program, err := os.ReadFile(buildTool(t, "lookpath"))
	if err != nil {
		t.Fatal(err)
	}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		env := s.prootBase(t, busyboxLayout, "busybox")
		dockerfile := "FROM busybox\nCOPY --chmod=755 lookpath /lookpath\n" +
			"RUN mkdir " + dir + " && cp /bin/busybox " + dir + "/tool && /lookpath " + dir + "/tool > /found && PATH=" + dir + " /lookpath tool >> /found\n"
		r := s.run(t, env, "bud", s.context(t, map[string]string{"Dockerfile": dockerfile, "lookpath": string(program)}))
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantAnnounced(t, r, "proot")
		wantFile(t, s.image(t, r.id(t)).Files(), "/found", dir+"/tool\n"+dir+"/tool\n")
	})
}
