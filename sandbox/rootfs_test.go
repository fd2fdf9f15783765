package sandbox

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const busyboxPath = "/bin/busybox"

// newRootfs builds a minimal busybox rootfs: /bin/busybox, applet links,
// /etc/passwd and /etc/group, /tmp. No /proc, /dev, /sys or /etc/hosts, so
// every mount target is one Run must create and clean up.
func newRootfs(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(busyboxPath); err != nil {
		t.Skip("needs a static busybox at /bin/busybox: apt-get install busybox-static")
	}
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"bin", "etc", "tmp"} {
		mustMkdir(t, filepath.Join(root, d))
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(busyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(root, "bin", "busybox"), string(data), 0o755)
	for _, applet := range []string{"sh", "id", "cat", "ls", "echo", "grep", "sleep", "pwd", "touch", "wc", "hostname", "stat", "true", "mkdir", "cut", "test", "kill"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(t, filepath.Join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0o644)
	mustWrite(t, filepath.Join(root, "etc", "group"), "root:x:0:\nnobody:x:65534:\n", 0o644)
	return root
}

func mustMkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// runIn runs args in rootfs with p's other fields as given and returns the
// exit status and combined output.
func runIn(t *testing.T, p Process, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	p.Args = args
	p.Stdout, p.Stderr = &out, &out
	if p.StateDir == "" {
		p.StateDir = filepath.Join(t.TempDir(), "state")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	status, err := Run(ctx, p)
	if err != nil {
		t.Fatalf("Run(%q): %v (output: %s)", args, err, out.String())
	}
	return status, strings.TrimSpace(out.String())
}

// shell runs a shell command as root in a fresh rootfs.
func shell(t *testing.T, script string) (int, string) {
	t.Helper()
	return runIn(t, Process{Rootfs: newRootfs(t)}, "sh", "-c", script)
}
