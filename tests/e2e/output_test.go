package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// outputDockerfile's target is a scratch stage with two files, so its tar
// and its directory hold exactly those.
const outputDockerfile = `FROM busybox AS build
RUN mkdir /out && echo hello > /out/hello.txt && echo data > /out/data.bin
FROM scratch
COPY --from=build /out/ /
`

// TestBudOutput writes the target with each --output type and checks the
// result with outside tools; with no -t nothing is left in storage.
func TestBudOutput(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		before := s.images(t)
		ctx := s.context(t, map[string]string{"Dockerfile": outputDockerfile})
		out := s.scratch(t, "out")
		wantNames := []string{"data.bin", "hello.txt"}

		t.Run("type=local", func(t *testing.T) {
			dir := filepath.Join(out, "local")
			s.must(t, "bud", "--output", "type=local,dest="+dir, ctx)
			checkLocalOutput(t, a, dir, wantNames)
		})
		t.Run("a bare directory means type=local", func(t *testing.T) {
			dir := filepath.Join(out, "bare")
			s.must(t, "bud", "-o", dir, ctx)
			checkLocalOutput(t, a, dir, wantNames)
		})
		t.Run("type=tar", func(t *testing.T) {
			file := filepath.Join(out, "files.tar")
			s.must(t, "bud", "-o", "type=tar,dest="+file, ctx)
			if got := tarNames(t, file, ""); !slices.Equal(got, wantNames) {
				t.Errorf("tar tf lists %q, want %q", got, wantNames)
			}
		})
		t.Run("type=tar to stdout", func(t *testing.T) {
			r := s.must(t, "bud", "-o", "type=tar,dest=-", ctx)
			if got := tarNames(t, "-", r.stdout); !slices.Equal(got, wantNames) {
				t.Errorf("tar tf of stdout lists %q, want %q", got, wantNames)
			}
			if !imageID.MatchString(lastLine(r.stderr)) {
				t.Errorf("the image ID is not the last line of stderr:\n%s", r)
			}
		})
		t.Run("type=oci", func(t *testing.T) {
			file := filepath.Join(out, "image.oci.tar")
			s.must(t, "bud", "-o", "type=oci,dest="+file, ctx)
			if n := skopeoLayers(t, "oci-archive:"+file); n != 1 {
				t.Errorf("skopeo sees %d layers in the oci-archive, want 1", n)
			}
		})
		t.Run("type=docker", func(t *testing.T) {
			file := filepath.Join(out, "image.docker.tar")
			s.must(t, "bud", "-t", "exported", "-o", "type=docker,dest="+file, ctx)
			if n := skopeoLayers(t, "docker-archive:"+file); n != 1 {
				t.Errorf("skopeo sees %d layers in the docker-archive, want 1", n)
			}
			var manifest []struct{ RepoTags []string }
			if err := json.Unmarshal([]byte(tarFile(t, file, "manifest.json")), &manifest); err != nil || len(manifest) != 1 ||
				!slices.Equal(manifest[0].RepoTags, []string{"localhost/exported:latest"}) {
				t.Errorf("docker load would see %+v (%v), want the tag localhost/exported:latest", manifest, err)
			}
			s.must(t, "rmi", "exported")
		})
		t.Run("without -t nothing is left in storage", func(t *testing.T) {
			if got := s.images(t); got != before {
				t.Errorf("images after the --output builds:\n%s\nwant as before:\n%s", got, before)
			}
		})
		t.Run("an unknown type fails before the build", func(t *testing.T) {
			r := s.run(t, opts{}, "bud", "-o", "type=zip,dest=x", ctx)
			if r.code == 0 || strings.Contains(r.stdout, "STEP") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 ||
				!strings.Contains(r.stderr, `unknown type "zip"`) {
				t.Errorf("want one error line naming the type and no step run:\n%s", r)
			}
		})
		t.Run("--output with --push is refused before the build", func(t *testing.T) {
			r := s.run(t, opts{}, "bud", "-o", filepath.Join(out, "x"), "--push", "-t", "127.0.0.1:1/x", ctx)
			if r.code == 0 || strings.Contains(r.stdout, "STEP") || !strings.Contains(r.stderr, "--output and --push") {
				t.Errorf("want a refusal naming both flags and no step run:\n%s", r)
			}
		})
	})
}

// checkLocalOutput checks dir holds exactly names, owned by a.
func checkLocalOutput(t *testing.T, a *account, dir string, names []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != a.uid || int(st.Gid) != a.gid {
			t.Errorf("%s is owned by %d:%d, want the caller %d:%d", e.Name(), st.Uid, st.Gid, a.uid, a.gid)
		}
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "hello.txt")); string(data) != "hello\n" {
		t.Errorf("hello.txt holds %q", data)
	}
}

// tarNames is `tar tf` of file (or of stdin when file is "-"), sorted.
func tarNames(t *testing.T, file, stdin string) []string {
	t.Helper()
	cmd := exec.Command("tar", "tf", file)
	cmd.Stdin = strings.NewReader(stdin)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("tar tf %s: %v", file, err)
	}
	var names []string
	for _, n := range strings.Fields(string(raw)) {
		if n = strings.TrimPrefix(strings.TrimPrefix(n, "./"), "/"); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// tarFile is one member of a tar file.
func tarFile(t *testing.T, file, member string) string {
	t.Helper()
	raw, err := exec.Command("tar", "xOf", file, member).Output()
	if err != nil {
		t.Fatalf("tar xOf %s %s: %v", file, member, err)
	}
	return string(raw)
}

// skopeoLayers is how many layers `skopeo inspect ref` reports.
func skopeoLayers(t *testing.T, ref string) int {
	t.Helper()
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo is not installed (apt-get install skopeo)")
	}
	raw, err := exec.Command(skopeo, "inspect", ref).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect %s: %v\n%s", ref, err, raw)
	}
	var got struct{ Layers []string }
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("skopeo inspect %s: %v", ref, err)
	}
	return len(got.Layers)
}
