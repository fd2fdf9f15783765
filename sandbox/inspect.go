package sandbox

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/unshare"
)

// Host describes the rootless situation for `stagebox info` and error hints.
type Host struct {
	User     string
	UID, GID int  // the invoking user's ids on the host
	Rootless bool // true when stagebox runs as a non-root user
	// UIDMap and GIDMap are this process's mappings as /proc/self shows
	// them; call Inspect after EnterUserNamespace to see the build's.
	UIDMap, GIDMap []specs.LinuxIDMapping
	// SubUIDRanges and SubGIDRanges are the user's ranges as "start:count"
	// joined by ", "; empty when none.
	SubUIDRanges, SubGIDRanges string
	NewUIDMap                  string // path of newuidmap, or ""
	NativeOverlay              bool   // an overlay mount works in this namespace
	XDGRuntimeDir              string // $XDG_RUNTIME_DIR, or "" when unset
	FuseDevice                 bool   // /dev/fuse exists (fuse-overlayfs needs it)
	// Problems keep builds from working or degrade them; Notices are
	// worth knowing but need no action while builds work.
	Problems, Notices []string
}

// Inspect describes the host as seen from this process: who runs stagebox,
// its id mappings and subordinate ranges, and every problem found, each
// with its cause and fix. nativeOverlay is whether the store mounts its
// layers with native overlay (probed by layers at the store's own path).
func Inspect(nativeOverlay bool) Host {
	h := Host{UID: unshare.GetRootlessUID(), GID: unshare.GetRootlessGID()}
	h.Rootless = h.UID != 0
	h.User = strconv.Itoa(h.UID)
	if u, err := user.LookupId(h.User); err == nil {
		h.User = u.Username
	}
	var err error
	if h.UIDMap, h.GIDMap, err = unshare.GetHostIDMappings(""); err != nil {
		h.Problems = append(h.Problems, fmt.Sprintf("cannot read this process's id mappings (%v); fix: mount /proc", err))
	}
	probe := defaultProbe()
	if uids, gids, err := probe.subIDs(h.User); err == nil {
		h.SubUIDRanges, h.SubGIDRanges = formatRanges(uids), formatRanges(gids)
	}
	if p, err := probe.lookPath("newuidmap"); err == nil {
		h.NewUIDMap = p
	}
	if h.Rootless {
		for _, p := range probe.check(h.User) {
			h.Problems = append(h.Problems, p.String())
		}
	}
	h.NativeOverlay = nativeOverlay
	h.inspectFuse()
	h.inspectRuntimeDir()
	return h
}

// inspectFuse: /dev/fuse matters only as the way out when native overlay
// fails (fuse-overlayfs); containers often lack it.
func (h *Host) inspectFuse() {
	_, err := os.Stat("/dev/fuse")
	h.FuseDevice = err == nil
	// Without native overlay the fuse-missing cause says what to do.
	if !h.FuseDevice && h.NativeOverlay {
		h.Notices = append(h.Notices, "/dev/fuse is absent, so fuse-overlayfs could not work here; nothing to do while native overlay works")
	}
}

// inspectRuntimeDir: containers-storage keeps a rootless user's run state
// under $XDG_RUNTIME_DIR, which su, sudo and cron sessions do not set.
func (h *Host) inspectRuntimeDir() {
	h.XDGRuntimeDir = os.Getenv("XDG_RUNTIME_DIR")
	if h.XDGRuntimeDir != "" || !h.Rootless {
		return
	}
	h.Notices = append(h.Notices, fmt.Sprintf(
		"XDG_RUNTIME_DIR is not set (usual under su, sudo or cron), so without --runroot the run state goes under $TMPDIR or /tmp, where it outlives a reboot; "+
			"to use /run/user/%d, log in through a session (ssh, machinectl shell %s@) or run: sudo loginctl enable-linger %s && export XDG_RUNTIME_DIR=/run/user/%d",
		h.UID, h.User, h.User, h.UID))
}

func formatRanges(m []specs.LinuxIDMapping) string {
	var parts []string
	for _, r := range m {
		parts = append(parts, fmt.Sprintf("%d:%d", r.HostID, r.Size))
	}
	return strings.Join(parts, ", ")
}
