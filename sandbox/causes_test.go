package sandbox

import (
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

const allCaps = 0x1ffffffffff

// rootlessHost is a non-root user where everything works.
func rootlessHost() facts {
	return facts{euid: 1000, uid: 1000, user: "ci", home: "/home/ci", status: procStatus{}, prootPath: "/usr/bin/proot", fuseOK: true, storeDir: "/home/ci/.local/share/containers/storage"}
}

func causeIDs(cs []Cause) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func wantCause(t *testing.T, cs []Cause, id string, fix ...string) {
	t.Helper()
	for _, c := range cs {
		if c.ID != id {
			continue
		}
		for _, f := range fix {
			if !strings.Contains(c.Fix, f) {
				t.Errorf("cause %s: fix %q does not say %q", id, c.Fix, f)
			}
		}
		if strings.Contains(c.String(), "\n") {
			t.Errorf("cause %s spans lines: %q", id, c)
		}
		return
	}
	t.Errorf("causes %v: want %s", causeIDs(cs), id)
}

func TestCausesOfAHealthyHostAreNone(t *testing.T) {
	if cs := causesOf(rootlessHost()); len(cs) != 0 {
		t.Errorf("causes on a healthy host: %+v", cs)
	}
}

func TestCausesNameEachRefusalWithItsFix(t *testing.T) {
	f := rootlessHost()
	f.userns.start = syscall.EPERM
	f.prootPath = ""
	cs := causesOf(f)
	wantCause(t, cs, "seccomp-userns", "--security-opt seccomp=unconfined", "seccompProfile")
	wantCause(t, cs, "proot-missing", "apt-get install proot")

	f = rootlessHost()
	f.userns.proc, f.userns.pivot = syscall.EPERM, syscall.EPERM
	cs = causesOf(f)
	wantCause(t, cs, "proc-masked", "--security-opt systempaths=unconfined", "procMount: Unmasked")
	wantCause(t, cs, "pivot-root-refused", "seccomp=unconfined")

	f = rootlessHost()
	f.status.noNewPrivs = true
	wantCause(t, causesOf(f), "no-new-privs", "no-new-privileges", "allowPrivilegeEscalation")

	f = rootlessHost()
	f.mapErr, f.mapSetuid = errString("newuidmap: write to uid_map failed: Operation not permitted"), true
	wantCause(t, causesOf(f), "newuidmap-setuid", "setcap cap_setuid=ep /usr/bin/newuidmap")

	f = rootlessHost()
	f.ownUIDs = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	f.outside = []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}
	wantCause(t, causesOf(f), "subid-outside-map", "usermod --add-subuids 1001-65535")

	f = rootlessHost()
	f.apparmor = true
	wantCause(t, causesOf(f), "apparmor-userns", "apparmor_restrict_unprivileged_userns=0")

	f = rootlessHost()
	f.storeKind, f.fuseOK, f.fuseWhy = "overlay", false, "no such file or directory"
	cs = causesOf(f)
	wantCause(t, cs, "store-on-overlay", "-v stagebox-store:"+f.storeDir, "emptyDir")
	wantCause(t, cs, "fuse-missing", "--device /dev/fuse")

	f = rootlessHost()
	f.storeKind = "nfs"
	wantCause(t, causesOf(f), "store-on-nfs", "emptyDir")

	f = rootlessHost()
	f.homeRO, f.tmpRO, f.tmpDir = true, true, "/tmp"
	cs = causesOf(f)
	wantCause(t, cs, "readonly-home", "--root")
	wantCause(t, cs, "readonly-tmp", "TMPDIR")

	f = rootlessHost()
	f.euid, f.uid = 0, 0
	f.status.capEff = 0xa80425fb
	wantCause(t, causesOf(f), "no-cap-sys-admin", "--cap-add SYS_ADMIN")
}

// TestCausesNameEveryBlockerNotOnlyTheFirst: a Pod Security "restricted"
// pod refuses user namespaces (seccomp) and sets no_new_privs; a user who
// lifts the first would hit the second, so info names both, and what can
// be seen without a user namespace (ranges outside a remapped map) too.
func TestCausesNameEveryBlockerNotOnlyTheFirst(t *testing.T) {
	f := rootlessHost()
	f.userns.start = syscall.EPERM
	f.status.noNewPrivs = true
	f.ownUIDs = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	f.outside = []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}
	cs := causesOf(f)
	wantCause(t, cs, "seccomp-userns", "seccomp=unconfined")
	wantCause(t, cs, "no-new-privs", "no-new-privileges", "allowPrivilegeEscalation")
	wantCause(t, cs, "subid-outside-map", "usermod --add-subuids")
	for _, c := range cs {
		if c.ID == "no-new-privs" && !strings.Contains(c.Message, "once user namespaces are allowed") {
			t.Errorf("no-new-privs under a userns refusal says %q: it maps nothing yet", c.Message)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
