package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpecLimitsOnlyOutsideAUserNamespace(t *testing.T) {
	p := Process{Rootfs: "/r", Args: []string{"sh"}, Limits: Limits{Memory: 1 << 20, CPUShares: 512}}
	spec := buildSpec(p, host{}, testFiles)
	r := spec.Linux.Resources
	if r == nil || r.Memory == nil || *r.Memory.Limit != 1<<20 || r.CPU == nil || *r.CPU.Shares != 512 {
		t.Fatalf("as root, resources %+v lack the limits", r)
	}
	if len(r.Devices) == 0 {
		t.Errorf("the limits dropped the default device rules")
	}
	if spec := buildSpec(p, host{inUserNS: true}, testFiles); spec.Linux.Resources != nil {
		t.Errorf("in a user namespace, resources %+v, want none", spec.Linux.Resources)
	}
}

func TestSpecNoHostsBindsNoHostsFile(t *testing.T) {
	spec := buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}, NoHosts: true}, host{}, testFiles)
	if m := mountAt(spec, "/etc/hosts"); m != nil {
		t.Errorf("--no-hosts still binds %+v", m)
	}
	if m := mountAt(spec, "/etc/resolv.conf"); m == nil {
		t.Errorf("--no-hosts dropped resolv.conf too")
	}
}

func TestEtcHostsHasAddedHosts(t *testing.T) {
	dir := t.TempDir()
	f, err := writeEtcFiles(dir, "box", []string{"db:10.0.0.2", "v6:fd00::1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "hosts"))
	if err != nil || f.hosts != filepath.Join(dir, "hosts") {
		t.Fatal(err)
	}
	for _, want := range []string{"127.0.0.1\tlocalhost box\n", "10.0.0.2\tdb\n", "fd00::1\tv6\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("hosts lacks %q:\n%s", want, data)
		}
	}
}
