package unpack

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// chownTolerantEnv, when "1", makes ownership changes that the kernel refuses
// (EPERM, EINVAL) non-fatal. The sandbox package sets it when stagebox runs in
// a user namespace that maps only the invoking user: every id but one is then
// unmapped, and a build should still succeed with files owned by that id.
const chownTolerantEnv = "STAGEBOX_CHOWN_TOLERANT"

func chownTolerant() bool {
	return os.Getenv(chownTolerantEnv) == "1"
}

func (w *destWriter) tolerate(err error) error {
	if err != nil && w.tolerant && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL)) {
		logrus.Debugf("ignoring chown failure (%s=1): %v", chownTolerantEnv, err)
		return nil
	}
	return err
}

func (w *destWriter) chownAt(pfd int, name string, uid, gid int) error {
	return w.tolerate(unix.Fchownat(pfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW))
}

func (w *destWriter) chownFd(fd, uid, gid int) error {
	return w.tolerate(unix.Fchown(fd, uid, gid))
}

func setTimesAt(pfd int, name, p string, atime, mtime time.Time) error {
	if atime.IsZero() {
		atime = mtime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	if err := unix.UtimesNanoAt(pfd, name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("setting times of %q: %w", p, err)
	}
	return nil
}

// xattrMustCopy reports whether losing attribute name is a build error rather
// than a filesystem limitation: file capabilities and user attributes are part
// of what an image means; trusted.*, security.selinux and the like belong to
// the host and are refused in a user namespace.
func xattrMustCopy(name string) bool {
	return strings.HasPrefix(name, "user.") || name == "security.capability"
}

func setXattrs(fd int, xattrs map[string][]byte) error {
	for _, name := range sortedKeys(xattrs) {
		err := unix.Fsetxattr(fd, name, xattrs[name], 0)
		if err == nil {
			continue
		}
		if errors.Is(err, unix.EOPNOTSUPP) || !xattrMustCopy(name) {
			logrus.Debugf("not copying extended attribute %s: %v", name, err)
			continue
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// readXattrs returns the extended attributes of an open file or directory.
func readXattrs(fd int) (map[string][]byte, error) {
	names, err := listXattrs(fd)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	out := make(map[string][]byte, len(names))
	for _, name := range names {
		v, err := getXattr(fd, name)
		if errors.Is(err, unix.ENODATA) {
			continue // removed while we looked
		}
		if err != nil {
			return nil, fmt.Errorf("reading extended attribute %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

// maxXattrSize bounds the buffers below; Linux caps a value at 64 KiB.
const maxXattrSize = 1 << 20

func listXattrs(fd int) ([]string, error) {
	for size := 256; size <= maxXattrSize; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Flistxattr(fd, buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if errors.Is(err, unix.EOPNOTSUPP) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing extended attributes: %w", err)
		}
		var names []string
		for _, b := range bytes.Split(buf[:n], []byte{0}) {
			if len(b) > 0 {
				names = append(names, string(b))
			}
		}
		return names, nil
	}
	return nil, errors.New("listing extended attributes: list too long")
}

func getXattr(fd int, name string) ([]byte, error) {
	for size := 256; size <= maxXattrSize; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Fgetxattr(fd, name, buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
	return nil, unix.E2BIG
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
