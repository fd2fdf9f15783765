package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// reproDockerfile makes files at build time (RUN) and copies one from the
// context, whose mtime differs from one checkout to the next.
const reproDockerfile = `FROM busybox
COPY a.txt /app/a.txt
RUN mkdir -p /data && echo made > /data/x && touch /app/later
ENV X=1
`

const reproEpoch = 1700000000

// TestReproducibleImages: the same Dockerfile and context built on fresh
// stores, as root and rootless, at different times, pushes to the same
// manifest digest with SOURCE_DATE_EPOCH and --rewrite-timestamp: config
// and history dated by the epoch, no file in a new layer newer than it,
// and deterministic gzip on the way out.
func TestReproducibleImages(t *testing.T) {
	digests := map[string]string{}
	both(t, func(t *testing.T, a *account) {
		for _, run := range []string{"first", "second"} {
			s := newStore(t, a)
			s.busybox(t)
			id := s.build(t, reproDockerfile, map[string]string{"a.txt": "a\n"},
				"--source-date-epoch", "1700000000", "--rewrite-timestamp")
			img := s.image(t, id)
			digests[a.name+" "+run] = img.ManifestDescriptor.Digest.String()
			epoch := time.Unix(reproEpoch, 0)
			if c := img.Config.Created; c == nil || !c.Equal(epoch) {
				t.Errorf("config created %v, want %v", c, epoch)
			}
			for _, h := range img.Config.History[1:] { // busybox's own entry keeps its date
				if h.Created == nil || !h.Created.Equal(epoch) {
					t.Errorf("history entry %q created %v, want %v", h.CreatedBy, h.Created, epoch)
				}
			}
			for _, l := range img.Layers[1:] {
				for _, e := range l.Entries {
					if e.ModTime.After(epoch) {
						t.Errorf("%s in a new layer has mtime %v, after the epoch", e.Name, e.ModTime)
					}
				}
			}
			time.Sleep(1100 * time.Millisecond) // the next build's files get other mtimes
		}
	})
	if len(digests) < 2 {
		t.Skip("fewer than two builds ran")
	}
	var want string
	for _, d := range digests {
		if want == "" {
			want = d
		}
		if d != want {
			t.Errorf("manifest digests differ: %v", digests)
			break
		}
	}
}

// TestSourceDateEpochKeepsTheCache: without rewriting file times, the epoch
// only dates the config, so a new epoch (from the build arg or the
// environment, BuildKit's rule) still reuses every step.
func TestSourceDateEpochKeepsTheCache(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": randomDockerfile, "input": "one\n"})
		build := func(t *testing.T, o opts, args ...string) *ocidir.Image {
			t.Helper()
			r := s.run(t, o, append(append([]string{"bud"}, args...), ctx)...)
			if r.code != 0 {
				t.Fatalf("failed:\n%s", r)
			}
			if strings.Contains(r.stderr, "SOURCE_DATE_EPOCH") {
				t.Errorf("a warning about SOURCE_DATE_EPOCH, which no ARG needs to consume:\n%s", r.stderr)
			}
			return s.image(t, r.id(t))
		}
		rand := func(img *ocidir.Image) string { e, _ := img.Files().Get("/rand"); return string(e.Data) }
		first := build(t, opts{}, "--build-arg", "SOURCE_DATE_EPOCH=100")
		second := build(t, opts{env: []string{"SOURCE_DATE_EPOCH=200"}})
		if rand(first) != rand(second) {
			t.Errorf("a new SOURCE_DATE_EPOCH ran the RUN again")
		}
		for img, want := range map[*ocidir.Image]int64{first: 100, second: 200} {
			if c := img.Config.Created; c == nil || c.Unix() != want {
				t.Errorf("created %v, want %d", c, want)
			}
		}
		t.Run("--timestamp sets created and every new file's mtime", func(t *testing.T) {
			img := build(t, opts{}, "--timestamp", "12345")
			if c := img.Config.Created; c == nil || c.Unix() != 12345 {
				t.Errorf("created %v, want 12345", c)
			}
			for _, e := range img.Layers[len(img.Layers)-1].Entries {
				if e.ModTime.Unix() != 12345 {
					t.Errorf("%s has mtime %v, want 12345", e.Name, e.ModTime)
				}
			}
		})
		t.Run("--rewrite-timestamp without an epoch is refused", func(t *testing.T) {
			wantRefusal(t, s.run(t, opts{}, "bud", "--rewrite-timestamp", ctx), "SOURCE_DATE_EPOCH")
		})
	})
}

// TestImageFormats: --format docker (and BUILDAH_FORMAT) commit a Docker
// schema 2 image with the Docker-only config fields; push --format
// converts either way; skopeo reads the results.
func TestImageFormats(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": metadataDockerfile})
		docker := s.must(t, "bud", "--format", "docker", "-t", "dockerfmt", ctx).id(t)
		t.Run("stored with a Docker schema 2 manifest, which skopeo reads from the store", func(t *testing.T) {
			wantStoredType(t, s, docker, dockerManifest)
			ref := "containers-storage:[overlay@" + s.root() + "+" + s.runroot() + "]" + docker
			// As the store's owner (root would leave files the user cannot
			// write); as root in a mount namespace of its own, since the
			// storage library mounts the overlay directory.
			argv := []string{"skopeo", "inspect", "--raw", ref}
			switch {
			case a.viaRunuser:
				argv = append([]string{"runuser", "-u", a.name, "--"}, argv...)
			case !a.rootless():
				argv = append([]string{"unshare", "--mount"}, argv...)
			}
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), dockerManifest) {
				t.Errorf("skopeo inspect --raw %s: %v\n%s", ref, err, out)
			}
		})
		t.Run("pushed as it is, skopeo reads it with its Docker fields", func(t *testing.T) {
			dir := filepath.Join(s.scratch(t, "dir"), "img")
			s.must(t, "push", docker, "dir:"+dir)
			wantDirType(t, dir, dockerManifest)
			if out, err := exec.Command("skopeo", "inspect", "dir:"+dir).CombinedOutput(); err != nil {
				t.Fatalf("skopeo inspect: %v\n%s", err, out)
			}
			out, err := exec.Command("skopeo", "inspect", "--config", "--raw", "dir:"+dir).CombinedOutput()
			if err != nil {
				t.Fatalf("skopeo inspect --config --raw: %v\n%s", err, out)
			}
			for _, field := range []string{`"Healthcheck"`, `"OnBuild"`, `"Shell"`} {
				if !strings.Contains(string(out), field) {
					t.Errorf("the Docker config lacks %s:\n%s", field, out)
				}
			}
		})
		t.Run("push --format oci converts it", func(t *testing.T) {
			dir := filepath.Join(s.scratch(t, "dir"), "img")
			s.must(t, "push", "--format", "oci", docker, "dir:"+dir)
			wantDirType(t, dir, ociManifest)
		})
		t.Run("BUILDAH_FORMAT=docker, and push -f docker of an OCI image", func(t *testing.T) {
			r := s.run(t, opts{env: []string{"BUILDAH_FORMAT=docker"}}, "bud", "--label", "env=1", ctx)
			if r.code != 0 {
				t.Fatalf("failed:\n%s", r)
			}
			wantStoredType(t, s, r.id(t), dockerManifest)
			oci := s.must(t, "bud", "--label", "oci=1", ctx).id(t)
			wantStoredType(t, s, oci, ociManifest)
			dir := filepath.Join(s.scratch(t, "dir"), "img")
			s.must(t, "push", "-f", "docker", oci, "dir:"+dir)
			wantDirType(t, dir, dockerManifest)
		})
		t.Run("an unknown format is refused", func(t *testing.T) {
			wantRefusal(t, s.run(t, opts{}, "bud", "--format", "v1", ctx), "v1")
			wantRefusal(t, s.run(t, opts{}, "push", "--format", "v1", docker, "dir:"+s.scratch(t, "x")), "v1")
		})
	})
}

const (
	dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	ociManifest    = "application/vnd.oci.image.manifest.v1+json"
)

// wantStoredType checks the manifest type `stagebox inspect` reports.
func wantStoredType(t *testing.T, s *store, id, want string) {
	t.Helper()
	var out struct{ Manifest struct{ MediaType string } }
	if err := json.Unmarshal([]byte(s.must(t, "inspect", id).stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Manifest.MediaType != want {
		t.Errorf("stored manifest type %q, want %q", out.Manifest.MediaType, want)
	}
}

// wantDirType checks the manifest type of a dir: destination.
func wantDirType(t *testing.T, dir, want string) {
	t.Helper()
	var m struct{ MediaType string }
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil || m.MediaType != want {
		t.Errorf("pushed manifest type %q (%v), want %q", m.MediaType, err, want)
	}
}
