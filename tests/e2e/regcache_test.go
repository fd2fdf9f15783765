package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// sharedCacheDockerfile is multi-stage; each RUN records the time and
// random bytes when it really runs, so its layer tells a re-run from a hit.
const sharedCacheDockerfile = `FROM busybox AS build
RUN date +%s%N > /early && head -c 8 /dev/urandom | od -x >> /early
COPY input /input
RUN date +%s%N > /stamp && head -c 8 /dev/urandom | od -x >> /stamp
ENV FOO=bar
WORKDIR /work
RUN cp /input out.txt
FROM busybox
COPY --from=build /early /stamp /work/out.txt /
`

// sharedCacheSteps is how many filesystem steps sharedCacheDockerfile has.
const sharedCacheSteps = 6

// TestRegistryCacheSharedBetweenRunners: two stores stand for two runners.
// The first builds with --cache-to; the second, with an empty cache and
// only --cache-from, runs no step, makes the first's layers, and fetches
// from the registry only the layer its image is made of.
func TestRegistryCacheSharedBetweenRunners(t *testing.T) {
	reg := startCacheRegistry(t)
	both(t, func(t *testing.T, a *account) {
		repo := "cache-" + a.name
		ref := reg.Host + "/" + repo
		env := reg.env
		files := map[string]string{"Dockerfile": sharedCacheDockerfile, "input": "one\n"}

		first := newStore(t, a)
		first.busybox(t)
		r := first.run(t, env, "bud", "--cache-to", ref, "-t", "first", first.context(t, files))
		if r.code != 0 {
			t.Fatalf("first runner:\n%s", r)
		}
		if !strings.Contains(r.stderr, "steps published to "+ref) {
			t.Errorf("the first build does not say it published its steps:\n%s", r)
		}
		want := first.image(t, "first")

		second := newStore(t, a)
		second.busybox(t)
		ctx := second.context(t, files)
		mark := reg.mark()
		budAllCached(t, second, env, "--cache-from", ref, "-t", "second", ctx)
		// Only the last COPY's layer is in the committed image; the build
		// stage's four layers are never needed here.
		if n := reg.blobGets(repo, mark); n != 1 {
			t.Errorf("the second runner fetched %d blobs from the cache, want 1 (the image's own layer)", n)
		}
		got := second.image(t, "second")
		sameLayers(t, got, want)
		if g, w := timeless(t, got.RawConfig), timeless(t, want.RawConfig); g != w {
			t.Errorf("the configs differ beyond their times:\n%s\nthe first runner's:\n%s", g, w)
		}
		for _, f := range []string{"/early", "/stamp"} {
			g, _ := got.Files().Get(f)
			w, _ := want.Files().Get(f)
			if string(g.Data) != string(w.Data) {
				t.Errorf("%s is %q, the first runner's is %q: the RUN ran again", f, g.Data, w.Data)
			}
		}

		t.Run("with --push a runner with an empty store downloads no layer", func(t *testing.T) {
			// The base image is in the registry too, and the third runner
			// has nothing: not even busybox.
			baseRepo := "busybox-" + a.name
			if r := first.run(t, env, "push", "busybox", "docker://"+reg.Host+"/"+baseRepo); r.code != 0 {
				t.Fatalf("%s", r)
			}
			fromRegistry := map[string]string{"input": "one\n",
				"Dockerfile": strings.ReplaceAll(sharedCacheDockerfile, "FROM busybox", "FROM "+reg.Host+"/"+baseRepo)}
			third := newStore(t, a)
			dest := reg.Host + "/app-" + a.name + ":v1"
			mark := reg.mark()
			budAllCached(t, third, env, "--cache-from", ref, "--push", "-t", dest, third.context(t, fromRegistry))
			if n := reg.blobGets(repo, mark); n != 0 {
				t.Errorf("the push downloaded %d blobs from the cache, want 0 (mounted in the registry)", n)
			}
			// Of the base image, only its config is read, for its ID, once
			// for the two stages FROM it.
			configs := reg.blobGot(baseRepo, busyboxID(t, first), mark)
			if n := reg.blobGets(baseRepo, mark) - configs; n != 0 {
				t.Errorf("the build downloaded %d layers of the base image, want 0", n)
			}
			if configs != 1 {
				t.Errorf("the base image's config was read %d times, want once", configs)
			}
			if images := third.images(t); strings.Count(images, "\n") != 1 {
				t.Errorf("the store holds images after a push from the cache:\n%s", images)
			}
			if !strings.Contains(reg.Log()[mark:], "mount=sha256") {
				t.Errorf("the push mounted no blob from the cache repository")
			}
			// Read back, the pushed image has the first runner's layers.
			if r := third.run(t, env, "pull", "docker://"+dest); r.code != 0 {
				t.Fatalf("%s", r)
			}
			sameLayers(t, third.image(t, dest), want)
		})

		t.Run("a changed context file misses from its COPY on", func(t *testing.T) {
			writeTree(t, ctx, map[string]string{"input": "two\n"})
			chownTree(t, a, ctx)
			r := second.run(t, env, "bud", "--cache-from", ref, "-t", "changed", ctx)
			if r.code != 0 {
				t.Fatalf("%s", r)
			}
			// Only the RUN before the COPY hits.
			if hits := strings.Count(r.stderr, "--> Using cache"); hits != 1 {
				t.Errorf("%d steps hit, want 1 (the RUN before COPY input):\n%s", hits, r)
			}
			files := second.image(t, "changed").Files()
			wantFile(t, files, "/out.txt", "two\n")
			early, _ := files.Get("/early")
			stamp, _ := files.Get("/stamp")
			wantEarly, _ := want.Files().Get("/early")
			wantStamp, _ := want.Files().Get("/stamp")
			if string(early.Data) != string(wantEarly.Data) {
				t.Errorf("the RUN before the changed COPY ran again")
			}
			if string(stamp.Data) == string(wantStamp.Data) {
				t.Errorf("the RUN after the changed COPY was taken from the cache")
			}
		})
	})
}

// sameLayers checks two images have the same layers, digest for digest.
func sameLayers(t *testing.T, got, want *ocidir.Image) {
	t.Helper()
	g, w := got.Config.RootFS.DiffIDs, want.Config.RootFS.DiffIDs
	if len(g) != len(w) {
		t.Fatalf("%d layers, the first runner's image has %d", len(g), len(w))
	}
	for i := range g {
		if g[i] != w[i] {
			t.Errorf("layer %d is %s, the first runner's is %s", i, g[i], w[i])
		}
	}
}

// budAllCached builds sharedCacheDockerfile and checks every step was a
// cache hit.
func budAllCached(t *testing.T, s *store, env opts, args ...string) {
	t.Helper()
	r := s.run(t, env, append([]string{"bud"}, args...)...)
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	if hits := strings.Count(r.stderr, "--> Using cache"); hits != sharedCacheSteps {
		t.Errorf("%d of %d steps came from the cache:\n%s", hits, sharedCacheSteps, r)
	}
}

// busyboxID is the ID of s's busybox image: its config's digest.
func busyboxID(t *testing.T, s *store) string {
	t.Helper()
	return lastLine(s.must(t, "images", "-q", "--no-trunc", "busybox").stdout)
}

// TestRegistryCacheDownIsSkipped: a --cache-from registry that does not
// answer costs one warning, not the build.
func TestRegistryCacheDownIsSkipped(t *testing.T) {
	down := unusedAddr(t) // nothing listens there
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		r := s.bud(t, opts{}, sharedCacheDockerfile, map[string]string{"input": "one\n"},
			"--retry", "0", "--cache-from", down+"/cache", "--tls-verify=false")
		if r.code != 0 {
			t.Fatalf("the build failed because its cache registry is down:\n%s", r)
		}
		if n := strings.Count(r.stderr, "is not used for the rest of this build"); n != 1 {
			t.Errorf("%d warnings about the cache registry, want 1:\n%s", n, r)
		}
	})
}

// timeless is an image config without its creation times (the build's
// clock), as canonical JSON.
func timeless(t *testing.T, raw []byte) string {
	t.Helper()
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	delete(cfg, "created")
	if h, ok := cfg["history"].([]any); ok {
		for _, e := range h {
			delete(e.(map[string]any), "created")
		}
	}
	out, _ := json.Marshal(cfg)
	return string(out)
}
