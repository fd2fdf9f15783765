package unpack

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.podman.io/storage/pkg/idtools"
	"golang.org/x/sys/unix"
)

// recordOwnerEnv is set by the sandbox package ("uid:gid" of the caller)
// under proot as non-root: no namespace, so every file on disk belongs to
// the caller and chown to any other id fails. The in-image owner and mode
// of each file then live in containers-storage's override xattr
// ("uid:gid:mode:type", as storage itself writes it when it unpacks a
// layer with a force mask), which layers turns into tar headers.
const recordOwnerEnv = "STAGEBOX_RECORD_OWNER"

// callerIDs returns the caller's ids when recordOwnerEnv is set.
func callerIDs() (uid, gid int, ok bool) {
	u, g, found := strings.Cut(os.Getenv(recordOwnerEnv), ":")
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	return uid, gid, found && err1 == nil && err2 == nil
}

// inImageNode corrects a source item read from a rootfs under proot: its
// owner and mode are the override xattr's (or 0:0 for the caller's own
// files), unless --chown or --chmod set them; the xattr itself is not
// copied, the destination gets its own.
func inImageNode(n *node, fromContext, chown, chmod bool) {
	uid, gid, ok := callerIDs()
	if !ok {
		return
	}
	v, has := n.xattrs[idtools.ContainersOverrideXattr]
	delete(n.xattrs, idtools.ContainersOverrideXattr)
	if chown || fromContext {
		return
	}
	if !has {
		if n.uid == uid {
			n.uid = 0
		}
		if n.gid == gid {
			n.gid = 0
		}
		return
	}
	f := strings.Split(string(v), ":")
	if len(f) < 3 {
		return
	}
	ou, err1 := strconv.Atoi(f[0])
	og, err2 := strconv.Atoi(f[1])
	om, err3 := strconv.ParseUint(f[2], 8, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	n.uid, n.gid = ou, og
	if !chmod {
		n.mode = uint32(om) & 0o7777
	}
}

// recordInImage writes n's in-image owner and mode on the file it became.
func recordInImage(fd int, n node) error {
	if _, _, ok := callerIDs(); !ok {
		return nil
	}
	mode := os.FileMode(n.mode & 0o777)
	if n.kind == kindDir {
		mode |= os.ModeDir
	}
	for bit, m := range map[uint32]os.FileMode{unix.S_ISUID: os.ModeSetuid, unix.S_ISGID: os.ModeSetgid, unix.S_ISVTX: os.ModeSticky} {
		if n.mode&bit != 0 {
			mode |= m
		}
	}
	v := idtools.FormatContainersOverrideXattr(n.uid, n.gid, int(mode))
	if err := unix.Fsetxattr(fd, idtools.ContainersOverrideXattr, []byte(v), 0); err != nil {
		return fmt.Errorf("recording the owner %d:%d: %w", n.uid, n.gid, err)
	}
	return nil
}
