package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Manifest lists (issue 10, item 4): bud --manifest, the manifest command,
// and what images, rmi, prune, run and push do with lists.

// listIndex is the part of an index the tests read.
type listIndex struct {
	MediaType string `json:"mediaType"`
	Manifests []struct {
		Digest   string `json:"digest"`
		Platform struct {
			OS           string `json:"os"`
			Architecture string `json:"architecture"`
		} `json:"platform"`
	} `json:"manifests"`
}

// inspectList runs manifest inspect and decodes the index.
func (s *store) inspectList(t *testing.T, name string) listIndex {
	t.Helper()
	var idx listIndex
	out := s.must(t, "manifest", "inspect", name).stdout
	if err := json.Unmarshal([]byte(out), &idx); err != nil {
		t.Fatalf("manifest inspect %s: %v\n%s", name, err, out)
	}
	return idx
}

// archs lists the index's entries as OS/ARCH.
func (idx listIndex) archs() []string {
	var out []string
	for _, m := range idx.Manifests {
		out = append(out, m.Platform.OS+"/"+m.Platform.Architecture)
	}
	return out
}

// TestManifestBudReplacesThePlatformEntry: bud --manifest creates the list,
// a rebuild for the same platform replaces its entry, another platform
// adds one; buildah reads the list as its own.
func TestManifestBudReplacesThePlatformEntry(t *testing.T) {
	layout := multiBusyboxLayout(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		df := "FROM oci:" + layout + ":latest\nLABEL version=%s\n"
		first := s.build(t, strings.Replace(df, "%s", "1", 1), nil, "--platform", "linux/arm64", "--manifest", "localhost/ml")
		second := s.build(t, strings.Replace(df, "%s", "2", 1), nil, "--platform", "linux/arm64", "--manifest", "localhost/ml")
		if first == second {
			t.Fatalf("the two builds gave the same image %s", first)
		}
		idx := s.inspectList(t, "localhost/ml")
		if got := idx.archs(); len(got) != 1 || got[0] != "linux/arm64" {
			t.Fatalf("after two arm64 builds the list has %v, want one linux/arm64 entry", got)
		}
		host := s.build(t, strings.Replace(df, "%s", "2", 1), nil, "--manifest", "localhost/ml")
		s.must(t, "manifest", "create", "localhost/copy", second, host)
		if got := strings.Join(s.inspectList(t, "localhost/copy").archs(), " "); got != "linux/arm64 linux/"+runtime.GOARCH {
			t.Errorf("manifest create with two images: %s", got)
		}
		if r := s.run(t, opts{}, "manifest", "create", "localhost/copy"); r.code == 0 || !strings.Contains(r.stderr, "already names") {
			t.Errorf("manifest create of a name in use: want a refusal:\n%s", r)
		}
		idx = s.inspectList(t, "localhost/ml")
		if got := strings.Join(idx.archs(), " "); got != "linux/arm64 linux/"+runtime.GOARCH {
			t.Fatalf("after a host build the list has %s, want linux/arm64 linux/%s", got, runtime.GOARCH)
		}
		if a.name == "root" {
			buildahReadsList(t, s, "localhost/ml", idx.Manifests[0].Digest)
			readsBuildahList(t, s, second)
		}
		images := s.must(t, "images").stdout
		if !strings.Contains(images, "localhost/ml") || !strings.Contains(images, "manifest list") {
			t.Errorf("images does not show the list as one:\n%s", images)
		}
	})
}

// buildahReadsList checks that buildah's `manifest inspect` reads a list
// stagebox stored (skipped visibly without buildah).
func buildahReadsList(t *testing.T, s *store, name, wantDigest string) {
	t.Helper()
	buildah, err := exec.LookPath("buildah")
	if err != nil {
		t.Log("SKIP buildah check: buildah is not installed")
		return
	}
	out, err := exec.Command(buildah, "--root", s.root(), "--runroot", s.runroot(), "--storage-driver", "overlay",
		"manifest", "inspect", name).CombinedOutput()
	if err != nil || !strings.Contains(string(out), wantDigest) {
		t.Errorf("buildah manifest inspect %s (want %s): %v\n%s", name, wantDigest, err, out)
	}
}

// readsBuildahList checks that stagebox adds to and reads a list buildah
// created (skipped visibly without buildah).
func readsBuildahList(t *testing.T, s *store, image string) {
	t.Helper()
	buildah, err := exec.LookPath("buildah")
	if err != nil {
		t.Log("SKIP buildah check: buildah is not installed")
		return
	}
	out, err := exec.Command(buildah, "--root", s.root(), "--runroot", s.runroot(), "--storage-driver", "overlay",
		"manifest", "create", "localhost/fromb").CombinedOutput()
	if err != nil {
		t.Fatalf("buildah manifest create: %v\n%s", err, out)
	}
	s.must(t, "manifest", "add", "localhost/fromb", image)
	if got := s.inspectList(t, "localhost/fromb").archs(); len(got) != 1 || got[0] != "linux/arm64" {
		t.Errorf("buildah's list after manifest add: %v, want one linux/arm64 entry", got)
	}
}

// TestManifestHandAssembly: manifest create/add (a transport reference,
// each platform's entry picked by --arch) / inspect / push to oci: and a
// registry / rm, and rmi and prune keeping a list's images.
func TestManifestHandAssembly(t *testing.T) {
	layout := multiBusyboxLayout(t)
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("SKIP: skopeo is not installed (apt-get install skopeo)")
	}
	reg := serveRegistry(t, registryOptions{})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.must(t, "manifest", "create", "localhost/hand")
		s.must(t, "manifest", "add", "--arch", "arm64", "localhost/hand", "oci:"+layout+":latest")
		s.must(t, "manifest", "add", "localhost/hand", "oci:"+layout+":latest")
		idx := s.inspectList(t, "localhost/hand")
		if got := strings.Join(idx.archs(), " "); got != "linux/arm64 linux/"+runtime.GOARCH {
			t.Fatalf("hand-made list has %s, want linux/arm64 linux/%s", got, runtime.GOARCH)
		}
		dir := filepath.Join(s.scratch(t, "oci"), "layout")
		s.must(t, "manifest", "push", "localhost/hand", "oci:"+dir+":v1")
		dest := reg.Host + "/stagebox/hand:" + a.name
		s.must(t, "push", "--tls-verify=false", "localhost/hand", "docker://"+dest)
		for _, src := range [][]string{{"oci:" + dir + ":v1"}, {"--tls-verify=false", "docker://" + dest}} {
			out, err := exec.Command(skopeo, append([]string{"inspect", "--raw"}, src...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("skopeo inspect --raw %v: %v\n%s", src, err, out)
			}
			raw := string(out)
			if !strings.Contains(raw, "image.index") || strings.Count(raw, "image.manifest") != 2 || !strings.Contains(raw, `"architecture":"arm64"`) {
				t.Errorf("pushed list %v is not an index of two manifests with arm64:\n%s", src, raw)
			}
		}
		// --all=false: the host platform's image alone, no index.
		one := filepath.Join(s.scratch(t, "oci"), "layout")
		s.must(t, "push", "--all=false", "localhost/hand", "oci:"+one+":v1")
		if out, err := exec.Command(skopeo, "inspect", "--raw", "oci:"+one+":v1").CombinedOutput(); err != nil || strings.Contains(string(out), "image.index") || !strings.Contains(string(out), "image.config") {
			t.Errorf("push --all=false of a list: want one image manifest: %v\n%s", err, out)
		}
		if r := s.run(t, opts{}, "manifest", "push", "localhost/busybox-multi", "oci:"+one+":v2"); r.code == 0 || !strings.Contains(r.stderr, "not a manifest list") {
			t.Errorf("manifest push of an image: want a refusal:\n%s", r)
		}
		checkListKeepsImages(t, s, "localhost/hand")
	})
}

// checkListKeepsImages: rmi of an entry is refused naming the list, prune
// keeps the entries, rmi of the list leaves them, and then they go.
func checkListKeepsImages(t *testing.T, s *store, list string) {
	t.Helper()
	entries := s.entryIDs(t)
	if len(entries) != 2 {
		t.Fatalf("want the list's two images, images -a says:\n%s", s.must(t, "images", "-a").stdout)
	}
	for _, id := range entries {
		r := s.run(t, opts{}, "rmi", id)
		if r.code == 0 || !strings.Contains(r.stderr, "manifest list "+list) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Fatalf("rmi of a list's image: want a one-line refusal naming %s:\n%s", list, r)
		}
	}
	s.must(t, "prune", "--all")
	if got := s.entryIDs(t); len(got) != 2 {
		t.Fatalf("prune removed a list's image: %v left", got)
	}
	s.must(t, "rmi", list)
	if got := s.entryIDs(t); len(got) != 2 {
		t.Fatalf("rmi of the list removed its images: %v left", got)
	}
	s.must(t, "rmi", "-f", entries[0], entries[1])
}

// entryIDs lists the IDs of the images that are not lists.
func (s *store) entryIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	out := s.must(t, "images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Size}}").stdout
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.Contains(line, "manifest list") {
			ids = append(ids, strings.TrimPrefix(f[0], "sha256:"))
		}
	}
	return ids
}

// TestManifestRunPicksThePlatform: run --platform takes the list's entry
// for the platform (emulated), the host's by default.
func TestManifestRunPicksThePlatform(t *testing.T) {
	layout := multiBusyboxLayout(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		needEmulation(t, s)
		df := "FROM oci:" + layout + ":latest\n"
		s.build(t, df, nil, "--platform", "linux/arm64,linux/"+runtime.GOARCH, "--manifest", "localhost/runlist")
		if got := strings.TrimSpace(s.must(t, "run", "--platform", "linux/arm64", "localhost/runlist", "uname", "-m").stdout); got != "aarch64" {
			t.Errorf("run --platform linux/arm64: uname -m = %q, want aarch64", got)
		}
		if got := strings.TrimSpace(s.must(t, "run", "localhost/runlist", "uname", "-m").stdout); got != hostMachine(t) {
			t.Errorf("run of the list: uname -m = %q, want the host's %s", got, hostMachine(t))
		}
	})
}

// TestManifestAllPlatforms: --all-platforms builds for the platforms the
// base images offer ($BUILDPLATFORM stages left out) and refuses, naming
// the stage, a base that is a single-platform image.
func TestManifestAllPlatforms(t *testing.T) {
	layout := multiBusyboxLayout(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.must(t, "pull", "oci:"+layout+":latest")
		s.must(t, "tag", "localhost/busybox-multi:latest", "localhost/single")
		df := "FROM --platform=$BUILDPLATFORM localhost/single AS tools\nRUN echo native > /n\n" +
			"FROM oci:" + layout + ":latest\nCOPY --from=tools /n /n\n"
		s.build(t, df, nil, "--all-platforms", "--manifest", "localhost/all")
		// -t with several platforms commits a list of the same kind.
		s.build(t, df, nil, "--all-platforms", "-t", "localhost/allidx")
		for _, name := range []string{"localhost/all", "localhost/allidx"} {
			idx := s.inspectList(t, name)
			if got := strings.Join(idx.archs(), " "); got != "linux/"+runtime.GOARCH+" linux/arm64" && got != "linux/arm64 linux/"+runtime.GOARCH {
				t.Errorf("--all-platforms built %s for %s, want linux/%s and linux/arm64", got, name, runtime.GOARCH)
			}
			if a.name == "root" {
				buildahReadsList(t, s, name, idx.Manifests[0].Digest)
			}
		}
		r := s.bud(t, opts{}, "FROM localhost/single AS base\nLABEL a=b\n", nil, "--all-platforms")
		msg := lastLine(r.stderr) // after the isolation line
		if r.code == 0 || !strings.HasPrefix(msg, "Error: Dockerfile:1: FROM:") || !strings.Contains(msg, "stage base") || !strings.Contains(msg, "single-platform") {
			t.Errorf("--all-platforms on a single-platform base: want one line naming stage base:\n%s", r)
		}
	})
}

// TestManifestPullsOfTwoPlatformsStaySideBySide: after pulls of one
// registry list for arm64 and then the host, the name still finds the
// arm64 image for an arm64 build with --pull=never (no second download).
func TestManifestPullsOfTwoPlatformsStaySideBySide(t *testing.T) {
	_, ref := multiInRegistry(t, "sides")
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		arm := s.must(t, "pull", "--tls-verify=false", "--arch", "arm64", ref).id(t)
		host := s.must(t, "pull", "--tls-verify=false", "--platform", "linux/"+runtime.GOARCH, ref).id(t)
		if arm == host {
			t.Fatalf("both pulls gave %s", arm)
		}
		if got := s.must(t, "pull", "--policy", "never", "--arch", "arm64", ref).id(t); got != arm {
			t.Errorf("pull --policy never --arch arm64 after the host pull: %s, want the arm64 image %s", got, arm)
		}
		img := s.image(t, s.build(t, "FROM "+ref+"\nLABEL side=arm\n", nil, "--pull=never", "--platform", "linux/arm64"))
		if img.Config.Architecture != "arm64" {
			t.Errorf("arm64 build FROM the name with --pull=never: architecture %q", img.Config.Architecture)
		}
	})
}

// multiInRegistry copies the two-platform busybox index to a registry the
// test starts and returns skopeo's path and the list's reference there.
func multiInRegistry(t *testing.T, tag string) (skopeo, ref string) {
	t.Helper()
	layout := multiBusyboxLayout(t)
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("SKIP: skopeo is not installed (apt-get install skopeo)")
	}
	reg := serveRegistry(t, registryOptions{})
	ref = reg.Host + "/stagebox/busybox:" + tag
	if out, err := exec.Command(skopeo, "copy", "--all", "--dest-tls-verify=false", "oci:"+layout+":latest", "docker://"+ref).CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy --all: %v\n%s", err, out)
	}
	return skopeo, ref
}
