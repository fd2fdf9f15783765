package sandbox

import (
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runtime-spec/specs-go"
)

var testFiles = etcFiles{hosts: "/s/hosts", resolvConf: "/s/resolv.conf", hostname: "/s/hostname"}

func mountAt(spec *specs.Spec, dst string) *specs.Mount {
	for i := range spec.Mounts {
		if spec.Mounts[i].Destination == dst {
			return &spec.Mounts[i]
		}
	}
	return nil
}

func hasNS(spec *specs.Spec, t specs.LinuxNamespaceType) bool {
	return slices.ContainsFunc(spec.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == t })
}

func TestSpecRootlessHostNetworkBindsSys(t *testing.T) {
	spec := buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}}, host{inUserNS: true, recursiveRO: true}, testFiles)
	sys := mountAt(spec, "/sys")
	if sys == nil || sys.Type != "bind" || !slices.Contains(sys.Options, "rbind") || !slices.Contains(sys.Options, "rro") {
		t.Fatalf("/sys mount %+v, want a recursive read-only bind", sys)
	}
	old := buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}}, host{inUserNS: true}, testFiles)
	if sys := mountAt(old, "/sys"); !slices.Contains(sys.Options, "ro") {
		t.Fatalf("/sys mount %+v without mount_setattr, want at least ro", sys)
	}
	if hasNS(spec, specs.NetworkNamespace) || hasNS(spec, specs.UserNamespace) {
		t.Fatalf("namespaces %v: want neither network nor user", spec.Linux.Namespaces)
	}
	if spec.Linux.Resources != nil {
		t.Fatal("cgroup resources set inside a user namespace")
	}
	if pts := mountAt(spec, "/dev/pts"); slices.Contains(pts.Options, "gid=5") {
		t.Fatal("devpts asks for gid 5, which is not mapped")
	}
}

func TestSpecNetworkNoneGetsNetnsAndFreshSysfs(t *testing.T) {
	spec := buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}, Network: "none"}, host{inUserNS: true}, testFiles)
	if !hasNS(spec, specs.NetworkNamespace) {
		t.Fatal("no network namespace for network none")
	}
	if sys := mountAt(spec, "/sys"); sys.Type != "sysfs" {
		t.Fatalf("/sys is %q, want a fresh sysfs", sys.Type)
	}
	cfg, err := libcontainerConfig(spec, "stagebox-test", host{inUserNS: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Networks) != 1 || cfg.Networks[0].Type != "loopback" {
		t.Fatalf("networks %+v, want loopback", cfg.Networks)
	}
	if cfg.Cgroups.Resources.Devices != nil {
		t.Fatal("device rules set inside a user namespace")
	}
}

func TestSpecAsRootKeepsDeviceRules(t *testing.T) {
	spec := buildSpec(Process{Rootfs: "/r", Args: []string{"sh"}}, host{ttyMapped: true}, testFiles)
	if sys := mountAt(spec, "/sys"); sys.Type != "sysfs" {
		t.Fatalf("/sys is %q as root, want a fresh sysfs", sys.Type)
	}
	cfg, err := libcontainerConfig(spec, "stagebox-test", host{ttyMapped: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Cgroups.Resources.Devices) == 0 || cfg.Cgroups.Resources.Devices[0].Allow {
		t.Fatalf("device rules %v, want deny-all first", cfg.Cgroups.Resources.Devices)
	}
	if cfg.Namespaces.Contains(configs.NEWUSER) {
		t.Fatal("user namespace requested as root")
	}
}

func TestSpecProcessDefaults(t *testing.T) {
	p := Process{Rootfs: "/r", Args: []string{"make"}, Env: []string{"A=1"}, Cwd: "src/../app",
		UID: 5, GID: 6, AdditionalGids: []uint32{7},
		Mounts: []Mount{{Source: "/host/cache", Destination: "/cache", ReadOnly: true}}}
	spec := buildSpec(p, host{}, testFiles)
	if got := spec.Process.Cwd; got != "/app" {
		t.Errorf("cwd %q, want /app", got)
	}
	if !slices.Contains(spec.Process.Env, defaultPath) || !slices.Contains(spec.Process.Env, "A=1") {
		t.Errorf("env %v, want A=1 and the default PATH", spec.Process.Env)
	}
	if u := spec.Process.User; u.UID != 5 || u.GID != 6 || !slices.Equal(u.AdditionalGids, []uint32{7}) {
		t.Errorf("user %+v", u)
	}
	if !slices.Equal(spec.Process.Capabilities.Bounding, defaultCaps) || len(defaultCaps) != 14 {
		t.Errorf("capabilities %v, want Docker's 14", spec.Process.Capabilities.Bounding)
	}
	if spec.Root.Readonly || spec.Process.Terminal || spec.Linux.Seccomp != nil {
		t.Error("read-only root, terminal or seccomp set")
	}
	if m := mountAt(spec, "/cache"); m == nil || !slices.Contains(m.Options, "ro") || m.Source != "/host/cache" {
		t.Errorf("extra mount %+v", m)
	}
	if m := mountAt(spec, "/etc/resolv.conf"); m == nil || m.Source != testFiles.resolvConf {
		t.Errorf("resolv.conf mount %+v", m)
	}
	if !slices.Contains(spec.Linux.ReadonlyPaths, "/proc/sys") || !slices.Contains(spec.Linux.MaskedPaths, "/proc/kcore") {
		t.Error("runc's default masked and read-only paths are missing")
	}
}

func TestEnvWithPathKeepsTheImagePath(t *testing.T) {
	env := envWithPath([]string{"PATH=/opt/bin"})
	if len(env) != 1 || !strings.HasSuffix(env[0], "/opt/bin") {
		t.Fatalf("env %v", env)
	}
}

func TestSpecExtraMountTypes(t *testing.T) {
	p := Process{Rootfs: "/r", Args: []string{"true"}, Mounts: []Mount{
		{Type: MountTmpfs, Destination: "/scratch", Options: []string{"size=1048576"}},
		{Type: MountBind, Source: "/host/sock", Destination: "/run/agent", Options: []string{"nosuid"}},
	}}
	spec := buildSpec(p, host{}, testFiles)
	if m := mountAt(spec, "/scratch"); m == nil || m.Type != "tmpfs" || !slices.Contains(m.Options, "size=1048576") || slices.Contains(m.Options, "ro") {
		t.Errorf("tmpfs mount %+v", m)
	}
	if m := mountAt(spec, "/run/agent"); m == nil || m.Type != "bind" || m.Source != "/host/sock" || slices.Contains(m.Options, "ro") {
		t.Errorf("read-write bind mount %+v", m)
	}
	if err := validate(Process{Rootfs: "/r", Args: []string{"true"}, StateDir: "/s", Mounts: []Mount{{Type: "nfs", Destination: "/x"}}}); err == nil {
		t.Error("an unknown mount type was accepted")
	}
}
