package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/fixtures"
)

// TestImageLifecycle follows an image through the commands a CI job uses:
// pull, bud with tags and --iidfile, images, tag, push, run, rmi.
func TestImageLifecycle(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)

		pulled := s.busybox(t) // pull must print the ID last: checked by id()
		if again := s.must(t, "pull", "oci:"+busyboxLayout+":"+fixtures.Tag).id(t); again != pulled {
			t.Errorf("pulling the same image twice gave IDs %s and %s", pulled, again)
		}

		iidfile := filepath.Join(s.scratch(t, "iid"), "iid")
		r := s.bud(t, opts{}, "FROM busybox\nRUN echo v1 > /version\nCMD [\"cat\", \"/version\"]\n", nil,
			"-t", "one", "-t", "two:v2", "-t", "localhost/three:latest", "--iidfile", iidfile)
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		id := r.id(t)
		if !strings.Contains(r.stderr, "STEP 2/3: RUN echo v1 > /version") {
			t.Errorf("bud did not print a step line like \"STEP 2/3: RUN echo v1 > /version\":\n%s", r.stderr)
		}
		data, err := os.ReadFile(iidfile)
		if err != nil {
			t.Fatalf("--iidfile: %v", err)
		}
		if got := strings.TrimPrefix(strings.TrimSpace(string(data)), "sha256:"); got != id {
			t.Errorf("--iidfile holds %q, want the ID %s", data, id)
		}

		listed := s.images(t)
		for _, name := range []string{"localhost/one", "localhost/two", "v2", "localhost/three", id[:12]} {
			if !strings.Contains(listed, name) {
				t.Errorf("images does not list %s:\n%s", name, listed)
			}
		}

		var inspected struct {
			ID     string `json:"Id"`
			Names  []string
			Config struct{ Cmd []string } // docker's and podman's inspect: the image's run config
		}
		if err := json.Unmarshal([]byte(s.must(t, "inspect", "two:v2").stdout), &inspected); err != nil {
			t.Errorf("inspect did not print JSON: %v", err)
		}
		if inspected.ID != id || len(inspected.Names) != 3 {
			t.Errorf("inspect gave ID %s, names %q; want %s with 3 names", inspected.ID, inspected.Names, id)
		}
		wantStrings(t, "inspected Cmd", inspected.Config.Cmd, []string{"cat", "/version"})

		s.must(t, "tag", id[:12], "by-id")       // tag by (short) ID
		s.must(t, "tag", "one", "by-name:extra") // tag by name
		listed = s.images(t)
		if !strings.Contains(listed, "localhost/by-id") || !strings.Contains(listed, "localhost/by-name") {
			t.Errorf("tag did not add names:\n%s", listed)
		}

		if out := s.must(t, "run", "one").stdout; out != "v1\n" {
			t.Errorf("run with the image's CMD printed %q, want \"v1\\n\"", out)
		}
		if out := s.must(t, "run", "by-name:extra", "echo", "hello", "-n").stdout; out != "hello -n\n" {
			t.Errorf("run with a command printed %q, want \"hello -n\\n\"", out)
		}
		if r := s.run(t, opts{}, "run", "one", "sh", "-c", "exit 3"); r.code != 3 {
			t.Errorf("run of a command exiting 3 gave exit status %d, want 3", r.code)
		}

		s.must(t, "rmi", "by-name:extra")
		if listed = s.images(t); strings.Contains(listed, "by-name") {
			t.Errorf("rmi by name left it listed:\n%s", listed)
		}
		solo := s.build(t, "FROM busybox\nRUN echo solo > /solo\n", nil, "-t", "solo")
		s.must(t, "rmi", solo)
		if listed = s.images(t); strings.Contains(listed, "localhost/solo") || strings.Contains(listed, solo[:12]) {
			t.Errorf("rmi by ID left it listed:\n%s", listed)
		}
		if r := s.run(t, opts{}, "run", "--pull=never", "solo", "true"); r.code == 0 {
			t.Errorf("the removed image still runs:\n%s", r)
		}
	})
}

func TestVersionPrintsAVersion(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		if out := newStore(t, a).must(t, "version").stdout; !strings.HasPrefix(out, "stagebox version ") {
			t.Errorf("version printed %q", out)
		}
	})
}

// TestQuietPrintsOnlyTheID pins -q: nothing on stdout but the ID.
func TestQuietPrintsOnlyTheID(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		r := s.bud(t, opts{}, "FROM busybox\nRUN echo quiet\n", nil, "-q")
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		if id := r.id(t); strings.TrimSpace(r.stdout) != id {
			t.Errorf("-q printed more than the ID:\n%s", r.stdout)
		}
	})
}

// TestPushedImageReadsInSkopeoAndUmoci pins that `push oci:` writes a layout
// other tools accept.
func TestPushedImageReadsInSkopeoAndUmoci(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.build(t, "FROM busybox\nRUN echo pushed > /pushed && rm /bin/wc\nCMD [\"cat\", \"/pushed\"]\n", nil, "-t", "pushme")
		layout := filepath.Join(s.scratch(t, "push"), "layout")
		s.must(t, "push", "pushme", "oci:"+layout+":mytag")

		t.Run("skopeo inspect", func(t *testing.T) {
			skopeo, err := exec.LookPath("skopeo")
			if err != nil {
				t.Skip("skopeo is not installed (apt-get install skopeo)")
			}
			out, err := exec.Command(skopeo, "inspect", "oci:"+layout+":mytag").CombinedOutput()
			if err != nil {
				t.Fatalf("skopeo inspect: %v\n%s", err, out)
			}
			var got struct{ Layers []string }
			if err := json.Unmarshal(out, &got); err != nil || len(got.Layers) != 2 {
				t.Errorf("skopeo sees layers %q (%v), want 2", got.Layers, err)
			}
		})
		t.Run("umoci unpack", func(t *testing.T) {
			umoci, err := exec.LookPath("umoci")
			if err != nil {
				t.Skip("umoci is not installed (apt-get install umoci)")
			}
			bundle := filepath.Join(t.TempDir(), "bundle")
			if out, err := exec.Command(umoci, "unpack", "--rootless", "--image", layout+":mytag", bundle).CombinedOutput(); err != nil {
				t.Fatalf("umoci unpack: %v\n%s", err, out)
			}
			if data, err := os.ReadFile(filepath.Join(bundle, "rootfs", "pushed")); err != nil || string(data) != "pushed\n" {
				t.Errorf("unpacked /pushed = %q (%v)", data, err)
			}
			if _, err := os.Lstat(filepath.Join(bundle, "rootfs", "bin", "wc")); !os.IsNotExist(err) {
				t.Errorf("umoci did not apply the whiteout of /bin/wc: %v", err)
			}
		})
	})
}
