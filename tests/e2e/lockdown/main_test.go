package lockdown

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stagebox/stagebox/tests/fixtures"
)

// buildTags: the tags stagebox is always built with (design.md §9), plus
// pure-Go user and DNS lookups so the static binary needs no glibc NSS,
// as contrib/Dockerfile builds it.
const buildTags = "containers_image_openpgp exclude_graphdriver_btrfs osusergo netgo"

var (
	// workDir holds the binary, the fixtures, the contexts and each
	// configuration's output; mode 0755 so every container user reads it.
	workDir string
	// binDir holds only the stagebox binary: mounted as a directory.
	binDir string
	// fixturesDir holds the busybox and golang OCI layouts.
	fixturesDir string
	// docker is the default daemon; nil with skipReason set when none can run.
	docker     *daemon
	skipReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var err error
	if workDir, err = os.MkdirTemp(tmpParent(), "stagebox-lockdown-"); err != nil {
		fmt.Fprintln(os.Stderr, "lockdown:", err)
		return 1
	}
	if os.Getenv("STAGEBOX_LOCKDOWN_KEEP") == "" {
		defer os.RemoveAll(workDir)
	} else {
		defer fmt.Fprintln(os.Stderr, "lockdown: kept", workDir)
	}
	if err := setUp(); err != nil {
		fmt.Fprintln(os.Stderr, "lockdown:", err)
		return 1
	}
	defer stopDaemons()
	return m.Run()
}

// stopDaemons stops the daemons the suite started (the remapped one is
// started by the first test that needs it).
func stopDaemons() {
	for _, d := range []*daemon{remap, docker} {
		if d != nil {
			d.stop()
		}
	}
}

// tmpParent: as root, /tmp rather than $TMPDIR, which may sit in a
// directory the containers' users cannot enter.
func tmpParent() string {
	if os.Geteuid() == 0 {
		return "/tmp"
	}
	return ""
}

// setUp finds or starts the daemon, then makes the binary, the fixtures and
// the images; with no daemon possible it only records why.
func setUp() error {
	if err := os.Chmod(workDir, 0o755); err != nil {
		return err
	}
	if docker = envDaemon(); docker == nil {
		d, err := startDaemon("default")
		if errors.Is(err, errNoDaemon) {
			skipReason = err.Error()
			return nil
		}
		if err != nil {
			return err
		}
		docker = d
	}
	binDir = filepath.Join(workDir, "bin")
	fixturesDir = filepath.Join(workDir, "fixtures")
	steps := []struct {
		what string
		do   func() error
	}{
		{"static stagebox binary", buildBinary},
		{"busybox fixture", func() error { return fixtures.Busybox(filepath.Join(fixturesDir, "busybox")) }},
		{"Go toolchain fixture", func() error { return fixtures.GoToolchain(filepath.Join(fixturesDir, "golang")) }},
		{"test images", func() error { return makeImages(docker) }},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		fmt.Fprintf(os.Stderr, "lockdown: %s in %s\n", s.what, time.Since(start).Round(time.Millisecond))
	}
	return exec.Command("chmod", "-R", "a+rX", workDir).Run()
}

// buildBinary builds a static cmd/stagebox into binDir, or copies
// STAGEBOX_BINARY there: static, because it runs on the test image's libc.
func buildBinary() error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(binDir, "stagebox")
	if b := os.Getenv("STAGEBOX_BINARY"); b != "" {
		return exec.Command("install", "-m", "0755", b, out).Run()
	}
	cmd := exec.Command("go", "build", "-tags", buildTags, "-ldflags", "-extldflags -static", "-o", out, "./cmd/stagebox")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, msg)
	}
	return nil
}

// needDocker skips t, saying why, when no Docker daemon can run here.
func needDocker(t *testing.T) *daemon {
	t.Helper()
	if docker == nil {
		t.Skip("locked-down suite skipped: " + skipReason)
	}
	return docker
}
