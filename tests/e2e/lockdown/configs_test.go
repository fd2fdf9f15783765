package lockdown

// config is one CI setting, as the docker run flags that stand for it, and
// what stagebox must make of it.
type config struct {
	name string
	// remap: run on a second daemon started with --userns-remap=default,
	// as a pod with hostUsers: false runs in its own user namespace.
	remap bool
	image string
	// flags are the docker run flags; contrib/ci's templates quote them.
	flags []string
	// singleFile bind-mounts the binary as one file, not its directory.
	singleFile bool
	want       want
}

// want is what a configuration gets.
type want struct {
	tier       string // info --json isolation.tier: oci, rootless or proot
	sharedProc *bool  // isolation.sharedProc, when it is certain
	causes     []string
	notCauses  []string
	owners     ownership
}

// ownership is how faithfully file owners reach the image.
type ownership int

const (
	// realOwners: every id the Dockerfile asks for, from COPY --chown and
	// from RUN chown alike.
	realOwners ownership = iota
	// recordedOwners: proot as a non-root user. The ids stagebox writes
	// itself (COPY --chown) are recorded; a RUN's chown succeeds without
	// effect and its files are recorded as 0:0.
	recordedOwners
	// oneID: a user namespace mapping the user alone; COPY --chown lands
	// as 0:0 and a RUN's chown to another id is refused.
	oneID
)

var yes, no = true, false

// Flags shared by several configurations.
var (
	nonRoot     = []string{"--user", "1000"}
	storeVolume = []string{"--mount", "type=volume,dst=/var/lib/stagebox"}
	unconfined  = []string{"--security-opt", "seccomp=unconfined"}
)

func join(parts ...[]string) []string {
	var all []string
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// configs are the configurations, strongest setting last.
var configs = []config{
	{
		// A Docker (or GitLab Docker executor) container as root, with the
		// store on the container's own overlayfs.
		name: "root-default", image: testImage,
		want: want{tier: "proot", causes: []string{"seccomp-userns", "store-on-overlay"},
			notCauses: []string{"proot-missing"}, owners: realOwners},
	},
	{
		// The CI image as GitLab's Docker executor runs it: its user, its
		// store volume, Docker's defaults.
		name: "nonroot-default", image: testImage, flags: join(nonRoot, storeVolume),
		want: want{tier: "proot", causes: []string{"seccomp-userns"},
			notCauses: []string{"proot-missing", "store-on-overlay"}, owners: recordedOwners},
	},
	{
		// Pod Security "restricted": non-root, no capabilities, no privilege
		// escalation, the runtime's default seccomp profile.
		name: "restricted", image: testImage,
		flags: join([]string{"--cap-drop", "ALL", "--security-opt", "no-new-privileges"}, nonRoot, storeVolume),
		want: want{tier: "proot", causes: []string{"seccomp-userns", "no-new-privs"},
			notCauses: []string{"proot-missing"}, owners: recordedOwners},
	},
	{
		// seccomp lifted, /proc masked (Kubernetes' default procMount), and
		// Debian's setuid newuidmap, which cannot write uid_map here.
		name: "unconfined-setuid", image: setuidImage, flags: join(unconfined, nonRoot, storeVolume),
		want: want{tier: "rootless", sharedProc: &yes, causes: []string{"proc-masked", "newuidmap-setuid"},
			notCauses: []string{"seccomp-userns"}, owners: oneID},
	},
	{
		// The same with file-capability newuidmap, as the CI image ships it,
		// and the store on the container's overlayfs.
		name: "unconfined-filecaps", image: testImage, flags: join(unconfined, nonRoot),
		want: want{tier: "rootless", sharedProc: &yes, causes: []string{"proc-masked", "store-on-overlay"},
			notCauses: []string{"seccomp-userns", "newuidmap-setuid", "subid-outside-map"}, owners: realOwners},
	},
	{
		// Root without CAP_SYS_ADMIN, seccomp lifted, given /dev/fuse: a user
		// namespace keeping root's range, layers through fuse-overlayfs on
		// the container's overlayfs.
		name: "fuse", image: testImage, flags: join(unconfined, []string{"--device", "/dev/fuse"}),
		want: want{tier: "rootless", sharedProc: &yes, causes: []string{"no-cap-sys-admin", "proc-masked"},
			notCauses: []string{"seccomp-userns", "fuse-missing"}, owners: realOwners},
	},
	{
		// A default Kubernetes pod (seccomp Unconfined unless the kubelet
		// sets a default) with an emptyDir at the store.
		name: "store-volume", image: testImage, flags: join(unconfined, nonRoot, storeVolume),
		want: want{tier: "rootless", sharedProc: &yes, causes: []string{"proc-masked"},
			notCauses: []string{"seccomp-userns", "store-on-overlay", "newuidmap-setuid"}, owners: realOwners},
	},
	{
		// readOnlyRootFilesystem: only the store volume and a tmpfs /tmp,
		// named by TMPDIR, are writable (stagebox's default is /var/tmp,
		// where big temporary files belong on a normal host).
		name: "read-only", image: testImage,
		flags: join(unconfined, nonRoot, storeVolume, []string{"--read-only", "--tmpfs", "/tmp:rw,exec,size=1g,mode=1777", "--env", "TMPDIR=/tmp"}),
		want: want{tier: "rootless", sharedProc: &yes, causes: []string{"readonly-home"},
			notCauses: []string{"readonly-tmp", "store-on-overlay"}, owners: realOwners},
	},
	{
		// hostUsers: false: the daemon remaps the container into 65536 ids.
		name: "userns-remap", remap: true, image: testImage, flags: join(unconfined, nonRoot, storeVolume),
		want: want{tier: "rootless", sharedProc: &yes, causes: []string{"proc-masked"},
			notCauses: []string{"seccomp-userns", "subid-outside-map"}, owners: realOwners},
	},
	{
		// A CI virtual machine's user (GitHub Actions' runner): nothing masked.
		name: "vm-user", image: testImage,
		flags: join(unconfined, []string{"--security-opt", "systempaths=unconfined", "--security-opt", "apparmor=unconfined"}, nonRoot, storeVolume),
		want: want{tier: "rootless", sharedProc: &no,
			notCauses: []string{"seccomp-userns", "proc-masked", "store-on-overlay"}, owners: realOwners},
	},
	{
		// The privileged reference (--privileged fails on these VMs), with
		// the binary bind-mounted as a single file.
		name: "privileged-single-file", image: testImage, singleFile: true,
		flags: join([]string{"--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined",
			"--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined"}, storeVolume),
		want: want{tier: "oci", sharedProc: &no,
			notCauses: []string{"seccomp-userns", "proc-masked", "no-cap-sys-admin", "pivot-root-refused", "store-on-overlay"}, owners: realOwners},
	},
}
