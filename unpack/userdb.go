package unpack

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"
)

// User is a resolved USER or --chown: numeric ids, supplementary groups and
// the home directory (for HOME).
type User struct {
	UID, GID int
	Groups   []int
	Home     string
}

// ResolveUser resolves "user[:group]" (names or numbers) against root's
// /etc/passwd and /etc/group, as Docker does: a user alone takes its primary
// group from passwd (0 for a numeric uid with no entry) and its supplementary
// groups from /etc/group; an explicit group replaces both. Missing files are
// fine for numeric ids. Both files are opened inside root, so a rootfs whose
// /etc is a symlink cannot make stagebox read the host's.
func ResolveUser(root, spec string) (User, error) {
	// GetExecUser would read "1:2:3" as 1:2 and drop the rest silently.
	if strings.Count(spec, ":") > 1 || spec == "" {
		return User{}, fmt.Errorf("%q: want user[:group], a name or number each", spec)
	}
	passwd, err := openInRoot(root, "/etc/passwd")
	if err != nil {
		return User{}, err
	}
	if passwd != nil {
		defer passwd.Close()
	}
	group, err := openInRoot(root, "/etc/group")
	if err != nil {
		return User{}, err
	}
	if group != nil {
		defer group.Close()
	}
	eu, err := user.GetExecUser(spec, &user.ExecUser{Home: "/"}, readerOrNil(passwd), readerOrNil(group))
	if err != nil {
		return User{}, err
	}
	if eu.Home == "" {
		eu.Home = "/" // an entry with an empty home field, as Docker treats it
	}
	return User{UID: eu.Uid, GID: eu.Gid, Groups: eu.Sgids, Home: eu.Home}, nil
}

// openInRoot opens p for reading, resolved inside root; a missing file is
// (nil, nil).
func openInRoot(root, p string) (*os.File, error) {
	h, err := pathrs.OpenInRoot(root, p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s in %s: %w", p, root, err)
	}
	defer h.Close()
	f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("opening %s in %s: %w", p, root, err)
	}
	return f, nil
}

// readerOrNil keeps a nil *os.File from becoming a non-nil io.Reader, which
// GetExecUser would try to read.
func readerOrNil(f *os.File) io.Reader {
	if f == nil {
		return nil
	}
	return f
}
