package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stagebox/stagebox/tests/fixtures"
)

// buildTags are the tags stagebox is always built with (design.md §9).
const buildTags = "containers_image_openpgp exclude_graphdriver_btrfs"

var (
	// workDir holds the binary, the fixtures and every store: mode 0755 so
	// the unprivileged user can reach what root made there.
	workDir string
	// binary is the stagebox under test.
	binary string
	// busyboxLayout is the busybox fixture's OCI layout.
	busyboxLayout string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	// As root, under /tmp rather than $TMPDIR, which may sit in a directory
	// the unprivileged user cannot enter.
	parent := ""
	if os.Geteuid() == 0 {
		parent = "/tmp"
	}
	var err error
	if workDir, err = os.MkdirTemp(parent, "stagebox-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if os.Getenv("STAGEBOX_E2E_KEEP") == "" {
		defer removeTree(workDir)
	} else {
		defer fmt.Fprintln(os.Stderr, "e2e: kept", workDir)
	}
	if err := os.Chmod(workDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if binary, err = buildBinary(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	busyboxLayout = filepath.Join(workDir, "busybox")
	if err := fixtures.Busybox(busyboxLayout); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: busybox fixture:", err)
		return 1
	}
	return m.Run()
}

// buildBinary builds cmd/stagebox into workDir, or takes STAGEBOX_BINARY.
func buildBinary() (string, error) {
	if b := os.Getenv("STAGEBOX_BINARY"); b != "" {
		abs, err := filepath.Abs(b)
		if err != nil {
			return "", err
		}
		return abs, nil
	}
	out := filepath.Join(workDir, "stagebox")
	start := time.Now()
	cmd := exec.Command("go", "build", "-tags", buildTags, "-o", out, "./cmd/stagebox")
	cmd.Dir = filepath.Join("..", "..") // the module root, from tests/e2e
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building stagebox: %v\n%s", err, msg)
	}
	fmt.Fprintf(os.Stderr, "e2e: built stagebox in %s\n", time.Since(start).Round(time.Millisecond))
	return out, os.Chmod(out, 0o755)
}

var (
	golangOnce   sync.Once
	golangLayout string
	golangErr    error
)

// goToolchainLayout makes the Go toolchain fixture the first time a test
// needs it: at ~130 MB it is not worth making for a run that skips the demo.
func goToolchainLayout() (string, error) {
	golangOnce.Do(func() {
		golangLayout = filepath.Join(workDir, "golang")
		golangErr = fixtures.GoToolchain(golangLayout)
	})
	return golangLayout, golangErr
}
