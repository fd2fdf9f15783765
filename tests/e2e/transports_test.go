package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/tests/fixtures"
	"github.com/stagebox/stagebox/tests/ocidir"
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

		t.Run("push --compression zstd writes zstd layers", func(t *testing.T) {
			dir := filepath.Join(out, "zstd")
			s.must(t, "push", "--compression", "zstd", "marker", "oci:"+dir+":marker")
			img, err := ocidir.Read(dir, "marker") // decompresses every layer against its diff ID
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range img.Manifest.Layers {
				if l.MediaType != ocispec.MediaTypeImageLayerZstd {
					t.Errorf("layer %d is %s, want zstd", i, l.MediaType)
				}
			}
			wantFile(t, img.Files(), "/marker", "marker\n")
		})
		t.Run("push --compression refuses what it does not know", func(t *testing.T) {
			r := s.run(t, opts{}, "push", "--compression", "lz4", "marker", "oci:"+filepath.Join(out, "lz4")+":marker")
			if r.code == 0 {
				t.Fatalf("push --compression lz4 succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "lz4")
		})
		t.Run("--pull=always copies a transport reference again", func(t *testing.T) {
			s.build(t, "FROM oci:"+busyboxLayout+":"+fixtures.Tag+"\nRUN true\n", nil, "--pull=always")
		})
		t.Run("--pull=never uses what is in storage", func(t *testing.T) {
			s.build(t, "FROM busybox\nRUN true\n", nil, "--pull=never")
		})
		t.Run("docker:// with no registry fails in one line", func(t *testing.T) {
			r := s.run(t, opts{}, "pull", "--retry", "0", "docker://127.0.0.1:9/nothing:latest")
			if r.code == 0 {
				t.Fatalf("pull from a closed port succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "127.0.0.1:9")
		})
	})
}
