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

// TestPlatformSeveralRefusalsAreOneLine: what a several-platform build
// does not do is refused before it starts.
func TestPlatformSeveralRefusalsAreOneLine(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--platform", "linux/amd64,linux/arm64", "--format", "docker"}, "--format docker with several platforms"},
			{[]string{"--platform", "linux/amd64,linux/arm64", "--arch", "arm64"}, "--arch, --os and --variant name one platform"},
			{[]string{"--platform", "linux/arm64,linux/arm64"}, "given twice"},
		} {
			r := s.bud(t, opts{}, "FROM scratch\nCOPY Dockerfile /\n", nil, c.args...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stdout, "STEP") {
				t.Errorf("%v not refused before the build with %q:\n%s", c.args, c.want, r)
			}
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
	_, ref := multiInRegistry(t, "multi")
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

// TestPlatformSeveralCommitAnIndex builds the cross-compiling pattern for
// the host and arm64: the $BUILDPLATFORM stage runs once (the second
// platform hits its cache), -t names an OCI index of two images whose
// binaries are of their architecture, and push writes the index and both.
func TestPlatformSeveralCommitAnIndex(t *testing.T) {
	layout := multiBusyboxLayout(t)
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("SKIP: skopeo is not installed (apt-get install skopeo)")
	}
	host := "linux/" + runtime.GOARCH
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		needEmulation(t, s)
		// The step before ARG TARGETARCH is the same for every target
		// (BuildKit's shared `go mod download`); the one after runs per
		// target, natively.
		df := strings.ReplaceAll(`FROM --platform=$BUILDPLATFORM oci:%s:latest AS build
RUN echo native-stage-ran
ARG TARGETARCH
RUN echo "$TARGETARCH" > /target
FROM oci:%s:latest
COPY --from=build /target /target
RUN uname -m > /arch
`, "%s", layout)
		r := s.bud(t, opts{}, df, nil, "--platform", host+",linux/arm64", "-t", "localhost/multi")
		if r.code != 0 {
			t.Fatalf("two-platform build failed:\n%s", r)
		}
		n := 0
		for _, line := range strings.Split(r.stdout+r.stderr, "\n") {
			if strings.HasSuffix(line, "] native-stage-ran") { // its output, not the step line
				n++
			}
		}
		if n != 1 {
			t.Errorf("the shared $BUILDPLATFORM step ran %d times, want once:\n%s", n, r)
		}
		dir := filepath.Join(s.scratch(t, "oci"), "layout")
		s.must(t, "push", "localhost/multi", "oci:"+dir+":v1")
		out, err := exec.Command(skopeo, "inspect", "--raw", "oci:"+dir+":v1").CombinedOutput()
		if err != nil {
			t.Fatalf("skopeo inspect --raw: %v\n%s", err, out)
		}
		raw := string(out)
		if !strings.Contains(raw, "image.index") || strings.Count(raw, "image.manifest") != 2 || !strings.Contains(raw, `"architecture":"arm64"`) {
			t.Errorf("pushed list is not an index of two manifests with arm64:\n%s", raw)
		}
		for _, c := range []struct{ platform, machine string }{{host, hostMachine(t)}, {"linux/arm64", "aarch64"}} {
			// FROM the list takes the platform's entry: its files are the entry's.
			img := s.image(t, s.build(t, "FROM localhost/multi\n", nil, "--platform", c.platform))
			files := img.Files()
			arch := strings.TrimPrefix(c.platform, "linux/")
			if e, _ := files.Get("/target"); string(e.Data) != arch+"\n" {
				t.Errorf("%s: TARGETARCH in the native stage = %q", c.platform, e.Data)
			}
			if e, _ := files.Get("/arch"); string(e.Data) != c.machine+"\n" {
				t.Errorf("%s: uname -m = %q, want %s", c.platform, e.Data, c.machine)
			}
			if e, _ := files.Get("/bin/busybox"); elfMachine(e.Data) != elfMachines[arch] {
				t.Errorf("%s: /bin/busybox is for ELF machine %d", c.platform, elfMachine(e.Data))
			}
		}
	})
}

// elfMachines are the ELF e_machine values of the architectures tested.
var elfMachines = map[string]uint16{"amd64": 62, "arm64": 183}

// elfMachine reads e_machine from a little-endian ELF header.
func elfMachine(b []byte) uint16 {
	if len(b) < 20 || string(b[:4]) != "\x7fELF" {
		return 0
	}
	return uint16(b[18]) | uint16(b[19])<<8
}

// hostMachine is `uname -m` here.
func hostMachine(t *testing.T) string {
	out, err := exec.Command("uname", "-m").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
