package layers

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"go.podman.io/storage/drivers/overlay"
)

// overlayMode is how the overlay driver would mount layers in a store.
type overlayMode int

const (
	overlayNative overlayMode = iota
	overlayFuse               // through fuse-overlayfs, chosen by storage itself
	overlayNone               // not at all: use vfs
)

// probeOverlay answers, before storage opens the store, what overlay would
// do there. When native overlay mounts fail, containers-storage switches
// to fuse-overlayfs on its own whenever the tool is installed, silently,
// and for good (it records the choice in the store) — even when /dev/fuse
// cannot be opened, which leaves every later mount failing with a fuse
// error. stagebox says so instead, and falls back to vfs when fuse cannot
// work. Only a process that is root in its user namespace can probe
// (storage answers "no" for anyone else and decides the same way).
func probeOverlay(graphRoot, runRoot string, driverOpts []string) (overlayMode, error) {
	if os.Geteuid() != 0 || hasMountProgram(driverOpts) {
		return overlayNative, nil
	}
	native, err := overlay.SupportsNativeOverlay(filepath.Join(graphRoot, "overlay"), filepath.Join(runRoot, "overlay"))
	if err != nil || native {
		return overlayNative, nil // storage reports its own errors
	}
	if _, err := exec.LookPath("fuse-overlayfs"); err != nil {
		return overlayNone, errors.New("native overlay mounts fail for this store and fuse-overlayfs is not installed")
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return overlayNone, errors.New("native overlay mounts fail for this store and fuse-overlayfs cannot open /dev/fuse (" + pathCause(err) + ")")
	}
	f.Close()
	return overlayFuse, nil
}

func hasMountProgram(driverOpts []string) bool {
	for _, o := range driverOpts {
		if strings.Contains(strings.ToLower(o), "mount_program") {
			return true
		}
	}
	return false
}

func pathCause(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
