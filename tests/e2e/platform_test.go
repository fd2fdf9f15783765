package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stagebox/stagebox/tests/fixtures"
)

// Multi-platform builds (issue 10): bud --platform for an architecture
// the host runs through binfmt_misc emulation (Debian's qemu-user-static,
// registered with the F flag by contrib/scripts/setup-emulation.sh).

var (
	multiOnce   sync.Once
	multiLayout string
	multiErr    error
)

// multiBusyboxLayout makes, the first time a test needs it, an OCI layout
// whose tag is an index of busybox for the host and for arm64.
func multiBusyboxLayout(t *testing.T) string {
	t.Helper()
	multiOnce.Do(func() {
		multiLayout = filepath.Join(workDir, "busybox-multi")
		multiErr = fixtures.BusyboxIndex(multiLayout, "arm64")
	})
	if multiErr != nil {
		t.Skipf("SKIP: no arm64 fixture: %v", multiErr)
	}
	return multiLayout
}

// needEmulation skips a test unless `stagebox info` reports arm64
// emulation: only where binfmt_misc could not be mounted or qemu-user-static
// is missing, and it says so.
func needEmulation(t *testing.T, s *store) {
	t.Helper()
	out := s.must(t, "info").stdout
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "emulation:") && strings.Contains(line, "arm64") {
			return
		}
	}
	t.Skipf("SKIP: no arm64 emulation registered on this host (run contrib/scripts/setup-emulation.sh as root); info says:\n%s", out)
}

const unameDockerfile = `FROM oci:%s:latest
ARG TARGETARCH
ARG BUILDARCH
RUN uname -m > /arch && echo "$TARGETARCH $BUILDARCH" > /args
`

func TestPlatformEmulatedRunPrintsAarch64(t *testing.T) {
	layout := multiBusyboxLayout(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		needEmulation(t, s)
		df := strings.Replace(unameDockerfile, "%s", layout, 1)
		id := s.build(t, df, nil, "--platform", "linux/arm64")
		img := s.image(t, id)
		if img.Config.Architecture != "arm64" || img.Config.OS != "linux" {
			t.Errorf("config platform = %s/%s, want linux/arm64", img.Config.OS, img.Config.Architecture)
		}
		files := img.Files()
		if e, _ := files.Get("/arch"); string(e.Data) != "aarch64\n" {
			t.Errorf("emulated uname -m = %q, want aarch64", e.Data)
		}
		if e, _ := files.Get("/args"); string(e.Data) != "arm64 "+runtime.GOARCH+"\n" {
			t.Errorf("TARGETARCH BUILDARCH = %q, want \"arm64 %s\"", e.Data, runtime.GOARCH)
		}
		// The same steps for the host: the arm64 entries must not be hits.
		r := s.bud(t, opts{}, df, nil)
		if r.code != 0 || strings.Contains(r.stderr+r.stdout, "Using cache") {
			t.Fatalf("host build after the arm64 one (must run, not hit the cache):\n%s", r)
		}
		if e, _ := s.image(t, r.id(t)).Files().Get("/arch"); len(e.Data) == 0 || string(e.Data) == "aarch64\n" {
			t.Errorf("native uname -m = %q, want the host's machine", e.Data)
		}
	})
}

func TestPlatformPullPicksTheIndexEntry(t *testing.T) {
	layout := multiBusyboxLayout(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		for _, c := range []struct{ flag, arch string }{{"--arch=arm64", "arm64"}, {"--platform=linux/amd64", "amd64"}} {
			id := s.must(t, "pull", c.flag, "oci:"+layout+":latest").id(t)
			if got := s.image(t, id).Config.Architecture; got != c.arch {
				t.Errorf("pull %s: architecture %q, want %q", c.flag, got, c.arch)
			}
		}
	})
}

// TestPlatformMissingHandlerFailsBeforeTheFirstStep hides the host's
// handlers behind an empty tmpfs in a private mount namespace: the build
// must stop before any step, in one line naming arm64 and the package.
func TestPlatformMissingHandlerFailsBeforeTheFirstStep(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: hiding binfmt_misc in a private mount namespace needs root")
	}
	layout := multiBusyboxLayout(t)
	hide := opts{wrap: []string{"unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs tmpfs /proc/sys/fs/binfmt_misc && exec "$@"`, "sh"}}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		df := strings.Replace(unameDockerfile, "%s", layout, 1)
		r := s.bud(t, hide, df, nil, "--platform", "linux/arm64")
		if r.code == 0 {
			t.Fatalf("built with no handler:\n%s", r)
		}
		msg := strings.TrimSpace(r.stderr)
		lines := strings.Split(msg, "\n")
		last := lines[len(lines)-1]
		for _, want := range []string{"Dockerfile:1", "arm64", "no binfmt_misc handler", "apt-get install qemu-user-static"} {
			if !strings.Contains(last, want) {
				t.Errorf("error %q lacks %q", last, want)
			}
		}
		if strings.Contains(r.stdout+r.stderr, "STEP") {
			t.Errorf("a step ran before the error:\n%s", r)
		}
	})
}

func TestPlatformSeveralAreRefusedInOneLine(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		r := s.bud(t, opts{}, "FROM scratch\n", nil, "--platform", "linux/amd64,linux/arm64")
		if r.code == 0 || !strings.Contains(r.stderr, "several platforms") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
			t.Fatalf("several platforms not refused in one line:\n%s", r)
		}
	})
}

// TestPlatformBuildPlatformStageRunsNatively is the cross-compiling
// pattern: a FROM --platform=$BUILDPLATFORM stage runs natively (on the
// host's busybox) knowing TARGETARCH, and the final stage is arm64's.
func TestPlatformBuildPlatformStageRunsNatively(t *testing.T) {
	layout := multiBusyboxLayout(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		needEmulation(t, s)
		df := strings.ReplaceAll(`FROM --platform=$BUILDPLATFORM oci:%s:latest AS build
ARG TARGETARCH
RUN echo "built on $(uname -m) for $TARGETARCH" > /out
FROM oci:%s:latest
COPY --from=build /out /out
RUN uname -m > /arch
`, "%s", layout)
		img := s.image(t, s.build(t, df, nil, "--platform", "linux/arm64"))
		files := img.Files()
		if e, _ := files.Get("/out"); strings.Contains(string(e.Data), "aarch64") || !strings.HasSuffix(string(e.Data), " for arm64\n") {
			t.Errorf("$BUILDPLATFORM stage wrote %q, want a native build for arm64", e.Data)
		}
		if e, _ := files.Get("/arch"); string(e.Data) != "aarch64\n" || img.Config.Architecture != "arm64" {
			t.Errorf("final stage: uname -m %q, architecture %q; want aarch64, arm64", e.Data, img.Config.Architecture)
		}
	})
}

// TestPlatformRegistryListGivesEachBuildItsEntry pushes the two-platform
// index to a registry: an arm64 build and a host build FROM the same name
// each get their own entry, although the name is in local storage.
func TestPlatformRegistryListGivesEachBuildItsEntry(t *testing.T) {
	layout := multiBusyboxLayout(t)
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("SKIP: skopeo is not installed (apt-get install skopeo)")
	}
	reg := serveRegistry(t, registryOptions{})
	ref := reg.Host + "/stagebox/busybox:multi"
	if out, err := exec.Command(skopeo, "copy", "--all", "--dest-tls-verify=false", "oci:"+layout+":latest", "docker://"+ref).CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy --all: %v\n%s", err, out)
	}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		needEmulation(t, s)
		df := "FROM " + ref + "\nRUN uname -m > /arch\n"
		arm := s.image(t, s.build(t, df, nil, "--tls-verify=false", "--platform", "linux/arm64"))
		if e, _ := arm.Files().Get("/arch"); string(e.Data) != "aarch64\n" {
			t.Errorf("arm64 build: uname -m = %q", e.Data)
		}
		host := s.image(t, s.build(t, df, nil, "--tls-verify=false"))
		if e, _ := host.Files().Get("/arch"); string(e.Data) == "aarch64\n" || host.Config.Architecture != runtime.GOARCH {
			t.Errorf("host build after the arm64 one: uname -m %q, architecture %q", e.Data, host.Config.Architecture)
		}
	})
}
