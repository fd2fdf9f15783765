package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/moby/sys/capability"
	"github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/unshare"
)

// problem is one thing that keeps (or may keep) rootless builds from
// working, phrased for a user: what is wrong and the command that fixes it.
type problem struct {
	cause string
	fix   string
	// fatal problems stop EnterUserNamespace; the others only degrade.
	fatal bool
	// noMapTool: newuidmap or newgidmap cannot be used, so only the
	// user's own id can be mapped (which needs no helper).
	noMapTool bool
}

func (p problem) String() string {
	if p.fix == "" {
		return p.cause // the cause already says how to fix it
	}
	return p.cause + "; fix: " + p.fix
}

// hostProbe reads the host facts the checks need; tests replace each
// source (a fake /proc tree, missing tools, absent ranges).
type hostProbe struct {
	procRoot string
	lookPath func(string) (string, error)
	isSetID  func(path string, mode os.FileMode, c capability.Cap) (bool, error)
	subIDs   func(user string) (uids, gids []specs.LinuxIDMapping, err error)
}

func defaultProbe() hostProbe {
	return hostProbe{
		procRoot: "/proc",
		lookPath: exec.LookPath,
		isSetID:  unshare.IsSetID,
		subIDs: func(user string) ([]specs.LinuxIDMapping, []specs.LinuxIDMapping, error) {
			return unshare.GetSubIDMappings(user, user)
		},
	}
}

// check lists everything that stands between user and a working user
// namespace, most fundamental first.
func (h hostProbe) check(user string) []problem {
	probs := h.checkSysctls()
	probs = append(probs, h.checkMapTools()...)
	return append(probs, h.checkSubIDs(user)...)
}

func (h hostProbe) checkSysctls() []problem {
	var probs []problem
	if v, ok := h.sysctl("sys/user/max_user_namespaces"); ok && v == 0 {
		probs = append(probs, problem{
			cause: "user namespaces are disabled (user.max_user_namespaces is 0)",
			fix:   "sudo sysctl -w user.max_user_namespaces=28633 (persist it in /etc/sysctl.d/)",
			fatal: true,
		})
	}
	if v, ok := h.sysctl("sys/kernel/unprivileged_userns_clone"); ok && v == 0 {
		probs = append(probs, problem{
			cause: "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone is 0)",
			fix:   "sudo sysctl -w kernel.unprivileged_userns_clone=1 (persist it in /etc/sysctl.d/)",
			fatal: true,
		})
	}
	if v, ok := h.sysctl("sys/kernel/apparmor_restrict_unprivileged_userns"); ok && v != 0 {
		probs = append(probs, problem{
			cause: "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns is 1)",
			fix:   "add an AppArmor profile for stagebox that allows 'userns,' or run: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
			fatal: true,
		})
	}
	return probs
}

// sysctl reads an integer under procRoot; ok is false when the knob does
// not exist on this kernel, which means it does not restrict anything.
func (h hostProbe) sysctl(name string) (int, bool) {
	b, err := os.ReadFile(h.procRoot + "/" + name)
	if err != nil {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return v, err == nil
}

// checkMapTools: mapping subordinate ranges takes newuidmap/newgidmap,
// normally setuid root (Debian, Fedora) or given just the file capability
// they need. Without them EnterUserNamespace maps the user alone, which an
// unprivileged process may do itself.
func (h hostProbe) checkMapTools() []problem {
	var probs []problem
	for _, tool := range []struct {
		name string
		capb capability.Cap
	}{
		{"newuidmap", capability.CAP_SETUID},
		{"newgidmap", capability.CAP_SETGID},
	} {
		path, err := h.lookPath(tool.name)
		if err != nil {
			probs = append(probs, problem{
				cause:     tool.name + " is not installed, so only your own id can be mapped and file ownership in images is lost",
				fix:       "install it: apt-get install uidmap (Debian/Ubuntu) or dnf install shadow-utils (Fedora/RHEL)",
				noMapTool: true,
			})
			continue
		}
		if setuid, _ := h.isSetID(path, os.ModeSetuid, capability.CAP_SETUID); setuid {
			continue
		}
		if ok, err := h.isSetID(path, os.ModeSetuid, tool.capb); err == nil && !ok {
			probs = append(probs, problem{
				cause:     fmt.Sprintf("%s is neither setuid nor has the %s file capability, so only your own id can be mapped and file ownership in images is lost", path, tool.capb),
				fix:       fmt.Sprintf("sudo chmod u+s %s (or reinstall the package that owns it)", path),
				noMapTool: true,
			})
		}
	}
	return probs
}

// checkSubIDs: no ranges is survivable (the user alone is mapped), so it
// is not fatal, but every image with files owned by other ids degrades.
func (h hostProbe) checkSubIDs(user string) []problem {
	uids, gids, err := h.subIDs(user)
	if err == nil && len(uids) > 0 && len(gids) > 0 {
		if n := mappedSize(uids); n < 65536 {
			return []problem{{
				cause: fmt.Sprintf("only %d subordinate uids are set aside for %s; images with higher ids will fail to unpack", n, user),
				fix:   addRangesFix(user),
			}}
		}
		return nil
	}
	return []problem{{
		cause: fmt.Sprintf("no subordinate uid/gid ranges for %s in /etc/subuid and /etc/subgid, so only your own id is mapped and files cannot be owned by other ids", user),
		fix:   addRangesFix(user),
	}}
}

func addRangesFix(user string) string {
	return "sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + user
}

func mappedSize(m []specs.LinuxIDMapping) uint64 {
	var n uint64
	for _, r := range m {
		n += uint64(r.Size)
	}
	return n
}

// fatalError joins the fatal problems into one error, or returns nil.
func fatalError(probs []problem) error {
	var msgs []string
	for _, p := range probs {
		if p.fatal {
			msgs = append(msgs, p.String())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("cannot create a user namespace: %s", strings.Join(msgs, "; "))
}

// mapToolProblem returns the first problem that rules out newuidmap or
// newgidmap.
func mapToolProblem(probs []problem) (problem, bool) {
	for _, p := range probs {
		if p.noMapTool {
			return p, true
		}
	}
	return problem{}, false
}
