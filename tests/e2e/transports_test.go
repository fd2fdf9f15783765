package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/fixtures"
)

// TestBaseImageTransports pushes an image to every local transport and
// builds FROM each one, pulls each one, and checks the --pull policies, all
// without a network.
func TestBaseImageTransports(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.build(t, "FROM busybox\nRUN echo marker > /marker\n", nil, "-t", "marker")
		out := s.scratch(t, "transports")
		refs := []string{
			"oci:" + filepath.Join(out, "oci") + ":marker",
			"oci-archive:" + filepath.Join(out, "marker-oci.tar"),
			"docker-archive:" + filepath.Join(out, "marker-docker.tar"),
			"dir:" + filepath.Join(out, "dir"),
		}
		for _, ref := range refs {
			s.must(t, "push", "marker", ref)
		}
		refs = append(refs, "containers-storage:localhost/marker", "localhost/marker")

		for _, ref := range refs {
			t.Run("FROM "+strings.SplitN(ref, ":", 2)[0], func(t *testing.T) {
				id := s.build(t, "FROM "+ref+"\nRUN cat /marker > /seen\n", nil)
				wantFile(t, s.image(t, id).Files(), "/seen", "marker\n")
			})
			t.Run("pull "+strings.SplitN(ref, ":", 2)[0], func(t *testing.T) {
				s.must(t, "pull", ref).id(t)
			})
		}

		t.Run("--pull=always copies a transport reference again", func(t *testing.T) {
			s.build(t, "FROM oci:"+busyboxLayout+":"+fixtures.Tag+"\nRUN true\n", nil, "--pull=always")
		})
		t.Run("--pull=never uses what is in storage", func(t *testing.T) {
			s.build(t, "FROM busybox\nRUN true\n", nil, "--pull=never")
		})
		t.Run("docker:// with no registry fails in one line", func(t *testing.T) {
			r := s.run(t, opts{}, "pull", "docker://127.0.0.1:9/nothing:latest")
			if r.code == 0 {
				t.Fatalf("pull from a closed port succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "127.0.0.1:9")
		})
	})
}
