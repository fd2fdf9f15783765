package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"sync"

	"github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/sys/unix"
)

// currentHost reads the facts about this process the spec depends on, and
// refuses ids the process to run would not have: setuid to an unmapped id
// fails deep inside the container init with a bare EINVAL.
func currentHost(p Process) (host, error) {
	uids, gids, err := unshare.GetHostIDMappings("")
	if err != nil {
		return host{}, fmt.Errorf("reading this process's id mappings: %w", err)
	}
	if !mapped(uids, p.UID) {
		return host{}, unmappedError("uid", p.UID)
	}
	for _, g := range append([]uint32{p.GID}, p.AdditionalGids...) {
		if !mapped(gids, g) {
			return host{}, unmappedError("gid", g)
		}
	}
	s := current()
	return host{
		sharedProc:  s.Isolation.SharedProc,
		noPivot:     s.NoPivot,
		inUserNS:    unshare.IsRootless(),
		ttyMapped:   mapped(gids, 5),
		recursiveRO: recursiveROSupported(),
	}, nil
}

func mapped(m []specs.LinuxIDMapping, id uint32) bool {
	for _, r := range m {
		if id >= r.ContainerID && uint64(id) < uint64(r.ContainerID)+uint64(r.Size) {
			return true
		}
	}
	return false
}

func unmappedError(kind string, id uint32) error {
	if cause := os.Getenv(singleIDCauseEnv); cause != "" {
		return fmt.Errorf("%s %d does not exist in stagebox's user namespace: %s", kind, id, cause)
	}
	name := strconv.Itoa(unshare.GetRootlessUID())
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	return fmt.Errorf("%s %d does not exist in stagebox's user namespace (too few subordinate ids are mapped); add a range with: %s",
		kind, id, addRangesFix(name))
}

// recursiveROSupported probes mount_setattr(2): with a bad fd it fails
// with EBADF where it exists and ENOSYS where it does not.
var recursiveROSupported = sync.OnceValue(func() bool {
	err := unix.MountSetattr(-1, "", unix.AT_EMPTY_PATH, &unix.MountAttr{})
	return !errors.Is(err, unix.ENOSYS)
})
