package sandbox

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"

	"github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/unshare"
)

// singleIDCauseEnv carries to the re-executed child why only one id is
// mapped when the cause is not the usual missing ranges, so its one
// warning line names the right fix.
const singleIDCauseEnv = "_STAGEBOX_SINGLE_ID_CAUSE"

// chownTolerantEnv tells the unpack and layers packages to ignore the
// ownership changes a single-id namespace refuses (see ChownTolerant).
const chownTolerantEnv = "STAGEBOX_CHOWN_TOLERANT"

// reexecSingleID re-runs this command in a user namespace that maps the
// user's own uid and gid to root and nothing else. An unprivileged process
// may write such a map itself (with setgroups denied), so this works where
// newuidmap is missing or broken; the containers/storage re-exec would
// instead fail looking for it. It does not return: it exits with the
// child's status.
func reexecSingleID(p problem) error {
	one := func(id int) []specs.LinuxIDMapping {
		return []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(id), Size: 1}}
	}
	return reexecInUserNS(one(os.Getuid()), one(os.Getgid()), false, singleIDCauseEnv+"="+p.String())
}

// reexecKeepingRootIDs is how root without CAP_SYS_ADMIN (root in a
// default container) gets the mount namespaces RUN needs: a user namespace
// mapping every id this namespace has to itself, as containers/storage's
// re-exec does for root, in which it holds every capability.
func reexecKeepingRootIDs() error {
	uids, gids, err := unshare.GetHostIDMappings("")
	if err != nil {
		return fmt.Errorf("reading this process's id mappings: %w", err)
	}
	return reexecInUserNS(identity(uids), identity(gids), true)
}

// identity maps each id of m (as seen here) to itself.
func identity(m []specs.LinuxIDMapping) []specs.LinuxIDMapping {
	out := make([]specs.LinuxIDMapping, len(m))
	for i, r := range m {
		out[i] = specs.LinuxIDMapping{ContainerID: r.ContainerID, HostID: r.ContainerID, Size: r.Size}
	}
	return out
}

// reexecInUserNS re-runs this command in new user and mount namespaces
// with the given maps, written by this process itself (no newuidmap). It
// does not return: it exits with the child's status.
func reexecInUserNS(uids, gids []specs.LinuxIDMapping, setgroups bool, env ...string) error {
	return reexecInUserNamespace(usernsChild{
		uids:      idMap{file: "uid_map", ranges: uids},
		gids:      idMap{file: "gid_map", ranges: gids},
		setgroups: setgroups,
		env:       env,
	})
}

// enterChild prepares the re-executed child: it must die with its parent;
// with a single id mapped, the packages that change ownership must
// tolerate the refusals, and the user hears once why.
func enterChild(w io.Writer) {
	rearmParentDeathSignal()
	if !ChownTolerant() {
		return
	}
	os.Setenv(chownTolerantEnv, "1")
	if os.Getenv(sealedExeEnv) != "" {
		return // printed before SealSelfExe re-executed this process
	}
	warnOnce.Do(func() { printSingleIDWarning(w) })
}

func printSingleIDWarning(w io.Writer) {
	if cause := os.Getenv(singleIDCauseEnv); cause != "" {
		fmt.Fprintf(w, "warning: %s\n", cause)
		return
	}
	name := strconv.Itoa(unshare.GetRootlessUID())
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	fmt.Fprintf(w, "warning: only your own id is mapped, so file ownership in images is lost; add ranges with: %s\n", addRangesFix(name))
}
