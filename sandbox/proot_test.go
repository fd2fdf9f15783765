package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestProotArgs(t *testing.T) {
	p := Process{Rootfs: "/r", Args: []string{"/bin/sh", "-c", "id"}, Cwd: "w", Mounts: []Mount{{Source: "/cache", Destination: "/root/.cache"}}}
	args, err := prootArgs(p, testFiles)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{"-r /r", "-w /w", "-0", "-b /proc", "-b /dev", "-b /sys",
		"-b /s/resolv.conf:/etc/resolv.conf", "-b /s/hosts:/etc/hosts", "-b /cache:/root/.cache"} {
		if !strings.Contains(joined, want) {
			t.Errorf("proot %s: missing %q", joined, want)
		}
	}
	if !slices.Equal(args[len(args)-3:], p.Args) {
		t.Errorf("proot %s: the command must come last", joined)
	}
	p.UID, p.GID = 1000, 100
	args, _ = prootArgs(p, testFiles)
	if joined := strings.Join(args, " "); !strings.Contains(joined, "-i 1000:100") || slices.Contains(args, "-0") {
		t.Errorf("proot as 1000:100: %s", joined)
	}
	p.Mounts = []Mount{{Source: "/a:b", Destination: "/c"}}
	if _, err := prootArgs(p, testFiles); err == nil {
		t.Error("a ':' in a bind path was accepted; proot would split it")
	}
}

func TestProotRefusesNetworkNone(t *testing.T) {
	err := refuseForProot(Process{Network: "none"}, "/usr/bin/proot")
	if err == nil || !strings.Contains(err.Error(), "--network none cannot be enforced under proot") {
		t.Errorf("network none: %v", err)
	}
	if err := refuseForProot(Process{}, ""); err == nil || !strings.Contains(err.Error(), "apt-get install proot") {
		t.Errorf("no proot: %v", err)
	}
}
