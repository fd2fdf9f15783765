package sandbox

import (
	"fmt"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultCaps is the set Docker gives a container (and a RUN step).
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP",
}

// defaultPath is what Docker and buildah give a process whose environment
// has no PATH; without one libcontainer cannot resolve a bare argv[0].
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// host is what the spec depends on beyond the Process: whether we run
// inside a user namespace (rootless), whether gid 5 (tty) is mapped, and
// whether the kernel can make a bind mount read-only recursively
// (mount_setattr, Linux 5.12).
type host struct {
	// sharedProc: a fresh procfs is refused (masked /proc), so RUN binds
	// the existing one and gets no PID namespace; noPivot: pivot_root is
	// refused, so the root is entered with MS_MOVE and chroot.
	sharedProc, noPivot bool
	inUserNS            bool
	ttyMapped           bool
	recursiveRO         bool
}

// etcFiles are the per-run files bound over /etc/hosts and friends.
type etcFiles struct {
	hosts, resolvConf, hostname string
}

// buildSpec turns p into a runtime spec. It starts from runc's example
// spec so masked and read-only paths stay runc's defaults.
func buildSpec(p Process, h host, files etcFiles) *specs.Spec {
	spec := specconv.Example()
	spec.Root = &specs.Root{Path: p.Rootfs}
	spec.Hostname = hostnameOf(p)
	spec.Process = &specs.Process{
		Args: p.Args,
		Env:  envWithPath(p.Env),
		Cwd:  cwdOf(p),
		User: specs.User{UID: p.UID, GID: p.GID, AdditionalGids: p.AdditionalGids},
		Capabilities: &specs.LinuxCapabilities{
			Bounding: defaultCaps, Effective: defaultCaps, Permitted: defaultCaps,
		},
	}
	spec.Linux.MaskedPaths = append(spec.Linux.MaskedPaths, "/sys/devices/virtual/powercap")
	spec.Linux.Namespaces = namespaces(p.Network, h.sharedProc)
	spec.Mounts = mounts(p, h, files)
	if h.inUserNS {
		// Cgroups are not ours to write in a user namespace.
		spec.Linux.Resources = nil
	}
	return spec
}

// libcontainerConfig converts spec; id names the container and its cgroup.
func libcontainerConfig(spec *specs.Spec, id string, h host) (*configs.Config, error) {
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName:      id,
		NoNewKeyring:    true,
		Spec:            spec,
		RootlessCgroups: true,
	})
	if err != nil {
		return nil, fmt.Errorf("converting the runtime spec: %w", err)
	}
	if h.inUserNS {
		// Device cgroup rules cannot be applied here, and libcontainer
		// refuses SkipDevices; no rules at all is what it accepts. mknod
		// is impossible in a user namespace anyway.
		cfg.Cgroups.Resources.Devices = nil
	}
	cfg.ParentDeathSignal = int(unix.SIGKILL)
	cfg.NoPivotRoot = h.noPivot
	return cfg, nil
}

func namespaces(network string, sharedProc bool) []specs.LinuxNamespace {
	ns := []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace}}
	if !sharedProc {
		ns = append(ns, specs.LinuxNamespace{Type: specs.PIDNamespace})
	}
	if network == "none" {
		// libcontainer brings up loopback for a private network namespace.
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	}
	return ns
}

func mounts(p Process, h host, files etcFiles) []specs.Mount {
	ptsOpts := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}
	if h.ttyMapped {
		ptsOpts = append(ptsOpts, "gid=5")
	}
	ms := []specs.Mount{
		procMount(h),
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: ptsOpts},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		sysMount(p.Network, h),
	}
	for _, f := range []struct{ dst, src string }{
		{"/etc/hosts", files.hosts}, {"/etc/resolv.conf", files.resolvConf}, {"/etc/hostname", files.hostname},
	} {
		ms = append(ms, bindMount(f.src, f.dst, false))
	}
	for _, m := range p.Mounts {
		ms = append(ms, bindMount(m.Source, m.Destination, m.ReadOnly))
	}
	return ms
}

// procMount is a fresh procfs, or where masked /proc paths forbid one
// (the kernel refuses a procfs less masked than the container's), the
// existing /proc bound recursively, read-only where the kernel can.
func procMount(h host) specs.Mount {
	if !h.sharedProc {
		return specs.Mount{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}}
	}
	return specs.Mount{Destination: "/proc", Type: "bind", Source: "/proc", Options: []string{"rbind", "nosuid", "noexec", "nodev", roOption(h)}}
}

// roOption makes a bind read-only, recursively where mount_setattr exists.
func roOption(h host) string {
	if h.recursiveRO {
		return "rro"
	}
	return "ro" // only the top mount; the best an old kernel can do
}

// sysMount: the kernel refuses a fresh sysfs in a user namespace that has no
// network namespace of its own, so rootless RUNs sharing the host network
// get a recursive read-only bind of the host's /sys instead. As real root a
// fresh sysfs is always possible and avoids exposing the host's writable
// cgroup mounts under /sys/fs/cgroup. No cgroup fs is mounted: a build
// step has no use for it.
func sysMount(network string, h host) specs.Mount {
	if h.inUserNS && network != "none" {
		return specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys",
			Options: []string{"rbind", "nosuid", "noexec", "nodev", roOption(h)}}
	}
	return specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs",
		Options: []string{"nosuid", "noexec", "nodev", "ro"}}
}

func bindMount(src, dst string, readOnly bool) specs.Mount {
	opts := []string{"rbind", "nosuid", "nodev"}
	if readOnly {
		opts = append(opts, "ro")
	}
	return specs.Mount{Destination: dst, Type: "bind", Source: src, Options: opts}
}

func envWithPath(env []string) []string {
	for _, e := range env {
		if len(e) >= 5 && e[:5] == "PATH=" {
			return env
		}
	}
	return append(append([]string(nil), env...), defaultPath)
}

func cwdOf(p Process) string {
	if p.Cwd == "" {
		return "/"
	}
	return filepath.Clean("/" + p.Cwd)
}

func hostnameOf(p Process) string {
	if p.Hostname == "" {
		return "stagebox"
	}
	return p.Hostname
}
