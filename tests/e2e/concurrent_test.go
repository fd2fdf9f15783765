package e2e

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Several platforms at once (issue 10, items 1 and 5): each platform's
// stage graph runs concurrently, a $BUILDPLATFORM step runs once for all
// of them, and the cache keeps the platforms' own steps apart.

// countingDockerfile's native stage appends a line to a cache mount each
// time its RUN really runs: the mount outlives the build and sits outside
// every key, so the count is what ran, whatever the cache says.
const countingDockerfile = `FROM --platform=$BUILDPLATFORM oci:%s:latest AS build
COPY --link Dockerfile /src/
RUN --mount=type=cache,target=/count,id=native-runs echo ran >> /count/runs && echo native-stage-ran > /native
ARG TARGETARCH
RUN echo "$TARGETARCH" > /target
FROM oci:%s:latest
COPY --from=build /native /target /
RUN uname -m > /arch
`

// withPlatforms runs fn as root and rootless, each on its own store, where
// arm64 is emulated, with the two-platform busybox layout and the host's
// platform.
func withPlatforms(t *testing.T, fn func(t *testing.T, s *store, layout, host string)) {
	layout := multiBusyboxLayout(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		needEmulation(t, s)
		fn(t, s, layout, "linux/"+runtime.GOARCH)
	})
}

// nativeRuns reads how many times countingDockerfile's native RUN ran,
// through a build for the host that reads the same cache mount.
func nativeRuns(t *testing.T, s *store, layout string) int {
	t.Helper()
	df := "FROM oci:" + layout + ":latest\nRUN --mount=type=cache,target=/count,id=native-runs cat /count/runs > /runs\n"
	e, _ := s.image(t, s.build(t, df, nil, "--no-cache")).Files().Get("/runs")
	return strings.Count(string(e.Data), "ran\n")
}

// TestPlatformsShareTheNativeStepOnce builds two platforms at once with
// --no-cache, where the cache index cannot make one platform skip what the
// other ran: the native RUN must still run once, the other platform's
// graph taking its layer, and each platform's steps are labelled with it.
func TestPlatformsShareTheNativeStepOnce(t *testing.T) {
	withPlatforms(t, func(t *testing.T, s *store, layout, host string) {
		df := strings.ReplaceAll(countingDockerfile, "%s", layout)
		r := s.bud(t, opts{}, df, nil, "--no-cache", "--platform", host+",linux/arm64", "-t", "localhost/shared")
		if r.code != 0 {
			t.Fatalf("two-platform build failed:\n%s", r)
		}
		if n := nativeRuns(t, s, layout); n != 1 {
			t.Errorf("the $BUILDPLATFORM RUN ran %d times for two platforms, want once:\n%s", n, r)
		}
		out := r.stdout + r.stderr
		if n := strings.Count(out, "--> Using the layer the same step made for "); n != 2 {
			t.Errorf("%d steps taken from the other platform's build, want 2 (COPY --link and the RUN):\n%s", n, out)
		}
		for _, want := range []string{"[" + host + " 1/2] STEP 3/5: RUN --mount", "[linux/arm64 2/2] STEP 3/3: RUN uname -m"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		// The per-target steps after ARG TARGETARCH ran for each platform.
		dir := filepath.Join(s.scratch(t, "oci"), "layout")
		s.must(t, "push", "localhost/shared", "oci:"+dir+":v1")
		for _, c := range []struct{ platform, arch, machine string }{{host, runtime.GOARCH, hostMachine(t)}, {"linux/arm64", "arm64", "aarch64"}} {
			files := s.image(t, s.build(t, "FROM localhost/shared\n", nil, "--platform", c.platform)).Files()
			if e, _ := files.Get("/target"); string(e.Data) != c.arch+"\n" {
				t.Errorf("%s: TARGETARCH in the native stage = %q", c.platform, e.Data)
			}
			if e, _ := files.Get("/arch"); string(e.Data) != c.machine+"\n" {
				t.Errorf("%s: uname -m = %q, want %s", c.platform, e.Data, c.machine)
			}
			if e, _ := files.Get("/bin/busybox"); elfMachine(e.Data) != elfMachines[c.arch] {
				t.Errorf("%s: /bin/busybox is for ELF machine %d", c.platform, elfMachine(e.Data))
			}
		}
	})
}

// TestPlatformsCacheNativeStepsOnceAndTheirOwnApart: after a two-platform
// build, a build for either platform alone hits every native step (cached
// once for all targets); a COPY on scratch for arm64 does not hit the
// host's entry for the same COPY (the platform is in every step's key).
func TestPlatformsCacheNativeStepsOnceAndTheirOwnApart(t *testing.T) {
	withPlatforms(t, func(t *testing.T, s *store, layout, host string) {
		df := strings.ReplaceAll(countingDockerfile, "%s", layout)
		s.build(t, df, nil, "--platform", host+",linux/arm64")
		for _, p := range []string{host, "linux/arm64"} {
			r := s.bud(t, opts{}, df, nil, "--platform", p)
			// The native COPY --link and RUNs, the COPY and the final RUN.
			if r.code != 0 || strings.Count(r.stdout+r.stderr, "--> Using cache") != 5 {
				t.Errorf("%s alone after the two-platform build: want 5 cache hits:\n%s", p, r)
			}
		}
		if n := nativeRuns(t, s, layout); n != 1 {
			t.Errorf("the $BUILDPLATFORM RUN ran %d times, want once", n)
		}
		copyDf := "FROM scratch\nCOPY f /f\nADD g /g\n"
		files := map[string]string{"f": "same bytes", "g": "other bytes"}
		s.build(t, copyDf, files, "--platform", host)
		r := s.bud(t, opts{}, copyDf, files, "--platform", "linux/arm64")
		if r.code != 0 || strings.Contains(r.stdout+r.stderr, "Using cache") {
			t.Errorf("COPY/ADD for arm64 after the same for %s must not hit its entries:\n%s", host, r)
		}
		if r := s.bud(t, opts{}, copyDf, files, "--platform", "linux/arm64"); strings.Count(r.stdout+r.stderr, "--> Using cache") != 2 {
			t.Errorf("COPY/ADD for arm64 again: want 2 cache hits:\n%s", r)
		}
	})
}

// TestPlatformsFailureNamesThePlatform: a RUN failing for arm64 only fails
// the build in one line naming the file, line and platform; no tag is
// made, no mount stays, the failed step's half-made layer is dropped, and
// the store takes the next build.
func TestPlatformsFailureNamesThePlatform(t *testing.T) {
	withPlatforms(t, func(t *testing.T, s *store, layout, host string) {
		df := "FROM oci:" + layout + ":latest\nRUN echo ok > /ok\nRUN touch /half-made-$(uname -m) && test \"$(uname -m)\" != aarch64\n"
		r := s.bud(t, opts{}, df, nil, "--platform", host+",linux/arm64", "-t", "localhost/broken")
		if r.code == 0 {
			t.Fatalf("built although arm64's RUN failed:\n%s", r)
		}
		checkNoStackTrace(t, r)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		last := lines[len(lines)-1]
		for _, want := range []string{"Dockerfile:3", "[linux/arm64]", "exited with status 1"} {
			if !strings.Contains(last, want) {
				t.Errorf("error %q lacks %q:\n%s", last, want, r)
			}
		}
		if strings.Contains(last, host) {
			t.Errorf("error %q names %s, which did not fail", last, host)
		}
		if i := s.run(t, opts{}, "inspect", "localhost/broken"); i.code == 0 {
			t.Errorf("the failed build tagged localhost/broken")
		}
		if m := mountsUnder(t, s.dir); len(m) > 0 {
			t.Errorf("mounts left under the store:\n%s", strings.Join(m, "\n"))
		}
		if half, _ := filepath.Glob(filepath.Join(s.root(), "overlay", "*", "diff", "half-made-aarch64")); len(half) > 0 {
			t.Errorf("the failed step's layer was kept: %v", half)
		}
		s.build(t, "FROM oci:"+layout+":latest\nRUN echo ok > /ok\n", nil)
	})
}

// TestPlatformsRunAtOnceAndStopTogether: the per-target RUN of a
// $BUILDPLATFORM stage (after ARG TARGETARCH) runs for both platforms at
// the same time (both processes are seen running, so the graphs are
// concurrent), and Ctrl-C stops both builds: exit 130, no process, no
// mount, no half-made layer, no tag.
func TestPlatformsRunAtOnceAndStopTogether(t *testing.T) {
	withPlatforms(t, func(t *testing.T, s *store, layout, host string) {
		df := "FROM --platform=$BUILDPLATFORM oci:" + layout + ":latest\nARG TARGETARCH\nRUN touch /half-made-$TARGETARCH && " + strings.Join(sleeper, " ") + "\n"
		ctx := s.context(t, map[string]string{"Dockerfile": df})
		interruptBuild(t, s, s.a, 2, "bud", "--platform", host+",linux/arm64", "-t", "localhost/stopped", ctx)
		if half, _ := filepath.Glob(filepath.Join(s.root(), "overlay", "*", "diff", "half-made-*")); len(half) > 0 {
			t.Errorf("an interrupted step's layer was kept: %v", half)
		}
		if r := s.run(t, opts{}, "inspect", "localhost/stopped"); r.code == 0 {
			t.Errorf("the interrupted build tagged localhost/stopped")
		}
	})
}
