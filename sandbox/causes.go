package sandbox

import (
	"fmt"
	"strings"
)

// Cause is one thing the probes found that keeps a stronger tier (or the
// fast storage) from working, with the exact fix.
type Cause struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// String is the cause as `info` prints it: one line, its fix last.
func (c Cause) String() string {
	return c.ID + ": " + c.Message + "; fix: " + c.Fix
}

// The fixes, per place a user can change: a docker run flag, a Kubernetes
// pod field, or a command in the image.
const (
	fixSeccomp = "Docker: --security-opt seccomp=unconfined; Kubernetes: securityContext.seccompProfile.type: Unconfined"
	fixProc    = "Docker: --security-opt systempaths=unconfined; Kubernetes: securityContext.procMount: Unmasked (needs hostUsers: false)"
	fixSetcap  = "in the image: setcap cap_setuid=ep /usr/bin/newuidmap && setcap cap_setgid=ep /usr/bin/newgidmap && chmod u-s /usr/bin/newuidmap /usr/bin/newgidmap"
)

// causesOf turns the probes' facts into causes, most fundamental first.
func causesOf(f facts) []Cause {
	var cs []Cause
	add := func(id, msg, fix string) { cs = append(cs, Cause{ID: id, Message: msg, Fix: fix}) }
	if f.seccompRefusesUserNS() {
		add("seccomp-userns", fmt.Sprintf("unshare(CLONE_NEWUSER) is refused (%v): a seccomp profile such as Docker's default blocks user namespaces, so RUN cannot have namespaces of its own", f.userns.start), fixSeccomp)
	}
	if f.apparmor && f.euid != 0 {
		add("apparmor-userns", "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)",
			"on the host: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or load an AppArmor profile for stagebox that allows 'userns,'")
	}
	if p := f.relevantProbe(); p.start == nil && p.proc != nil && !f.apparmor {
		add("proc-masked", fmt.Sprintf("a fresh /proc cannot be mounted (%v): the container masks /proc paths, so RUN binds the existing /proc and has no PID namespace", p.proc), fixProc)
	}
	if p := f.relevantProbe(); p.start == nil && p.pivot != nil {
		add("pivot-root-refused", fmt.Sprintf("pivot_root is refused (%v, seccomp), so RUN enters its root with MS_MOVE and chroot", p.pivot), fixSeccomp)
	}
	if f.euid == 0 && !f.status.hasCapSysAdmin() {
		add("no-cap-sys-admin", "root here has no CAP_SYS_ADMIN (a default container), so RUN runs in a user namespace keeping root's ids instead of the host's namespaces",
			"Docker: --cap-add SYS_ADMIN; Kubernetes: securityContext.capabilities.add: [\"SYS_ADMIN\"]")
	}
	cs = append(cs, f.mapCauses()...)
	cs = append(cs, f.storeCauses()...)
	if f.prootPath == "" && f.needsProot() {
		add("proot-missing", "no namespaces are allowed here and proot is not installed (not on PATH nor next to stagebox), so RUN cannot run",
			"apt-get install proot")
	}
	return cs
}

// mapCauses: why newuidmap cannot map the subordinate ranges here. With
// user namespaces refused, the causes that can be seen without one are
// named all the same: they are what a user who lifts the refusal meets next.
func (f facts) mapCauses() []Cause {
	if f.euid == 0 {
		return nil
	}
	var cs []Cause
	if f.status.noNewPrivs {
		effect := "and only your own id is mapped"
		if f.userns.start != nil {
			effect = "and once user namespaces are allowed only your own id would be mapped"
		}
		cs = append(cs, Cause{ID: "no-new-privs",
			Message: "no_new_privs is set (NoNewPrivs: 1), so a setuid or file-capability newuidmap cannot gain privileges " + effect,
			Fix:     "Docker: drop --security-opt no-new-privileges; Kubernetes: securityContext.allowPrivilegeEscalation: true"})
	} else if f.mapErr != nil && f.mapSetuid {
		cs = append(cs, Cause{ID: "newuidmap-setuid",
			Message: fmt.Sprintf("the setuid newuidmap fails in this container (%v), so only your own id is mapped", f.mapErr),
			Fix:     fixSetcap})
	}
	if len(f.outside) > 0 {
		cs = append(cs, Cause{ID: "subid-outside-map",
			Message: fmt.Sprintf("the subordinate ids of %s (%s) lie outside this container's own uid map (%s; a userns-remapped container or hostUsers: false)",
				f.user, formatRanges(f.outside), formatMap(f.ownUIDs)),
			Fix: f.insideFix()})
	}
	return cs
}

// insideFix proposes ranges the container has: its map minus the user.
func (f facts) insideFix() string {
	var size uint64
	for _, m := range f.ownUIDs {
		if m.ContainerID == 0 {
			size = uint64(m.Size)
		}
	}
	start := uint64(f.uid) + 1
	if size <= start {
		return "give the container more ids (Docker: a larger --userns-remap range), then list a range inside it in /etc/subuid and /etc/subgid"
	}
	r := fmt.Sprintf("%d-%d", start, size-1)
	return fmt.Sprintf("in the image: usermod --add-subuids %s --add-subgids %s %s (ids this container has; remove the ranges outside it)", r, r, f.user)
}

// storeCauses: what makes native overlay (or any write) fail for the store.
func (f facts) storeCauses() []Cause {
	var cs []Cause
	vol := fmt.Sprintf("Docker: -v stagebox-store:%s (a volume); Kubernetes: an emptyDir volume mounted at %s", f.storeDir, f.storeDir)
	switch f.storeKind {
	case "overlay":
		cs = append(cs, Cause{ID: "store-on-overlay", Message: fmt.Sprintf("the store %s is on overlayfs (the container's root filesystem), where native overlay cannot work", f.storeDir), Fix: vol})
	case "nfs":
		cs = append(cs, Cause{ID: "store-on-nfs", Message: fmt.Sprintf("the store %s is on a network filesystem (NFS/SMB), where native overlay cannot work", f.storeDir), Fix: vol + "; or --root on a local disk"})
	}
	if f.storeKind != "" && !f.fuseOK {
		cs = append(cs, Cause{ID: "fuse-missing", Message: fmt.Sprintf("/dev/fuse is missing or unreadable (%s), so fuse-overlayfs cannot replace native overlay and the store uses vfs", f.fuseWhy),
			Fix: "Docker: --device /dev/fuse; Kubernetes: a fuse device plugin, or a store on an emptyDir (see above)"})
	}
	if f.homeRO {
		cs = append(cs, Cause{ID: "readonly-home", Message: fmt.Sprintf("the home directory %s is read-only, so the default store and configuration there cannot be written", f.home),
			Fix: "pass --root and --runroot on a writable volume; Docker: -v stagebox-home:" + f.home + "; Kubernetes: an emptyDir at " + f.home})
	}
	if f.tmpRO {
		cs = append(cs, Cause{ID: "readonly-tmp", Message: fmt.Sprintf("the temporary directory %s is read-only", f.tmpDir),
			Fix: "set TMPDIR to a writable directory; Docker: --tmpfs /tmp; Kubernetes: an emptyDir at /tmp"})
	}
	return cs
}

func formatMap(m []specsMapping) string {
	var parts []string
	for _, r := range m {
		parts = append(parts, fmt.Sprintf("%d-%d", r.ContainerID, uint64(r.ContainerID)+uint64(r.Size)-1))
	}
	return strings.Join(parts, ", ")
}

// causeFixes joins the fixes of the causes with the given ids (all when
// none given) for an error message.
func causeFixes(cs []Cause) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Message+"; fix: "+c.Fix)
	}
	return strings.Join(parts, "; ")
}
