package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"testing"
)

// account is who stagebox runs as in a subtest.
type account struct {
	name     string
	uid, gid int
	// viaRunuser: the suite is root and reaches this user through runuser.
	viaRunuser bool
}

func (a *account) rootless() bool { return a.uid != 0 }

// both runs fn as root and as the unprivileged user, as subtests "root" and
// "rootless", skipping whichever half this machine cannot run.
func both(t *testing.T, fn func(t *testing.T, a *account)) {
	t.Helper()
	t.Run("root", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("the suite is not running as root; run it as root to cover stagebox as root too")
		}
		fn(t, &account{name: "root"})
	})
	t.Run("rootless", func(t *testing.T) {
		a, err := unprivileged()
		if err != nil {
			t.Skip(err)
		}
		fn(t, a)
	})
}

// unprivileged is the user the rootless half runs as: the invoking user when
// the suite is not root, else $STAGEBOX_TEST_USER (default sbtest).
func unprivileged() (*account, error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return nil, err
		}
		return &account{name: u.Username, uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	name := os.Getenv("STAGEBOX_TEST_USER")
	if name == "" {
		name = "sbtest"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("unprivileged user %q does not exist: create it with /etc/subuid and /etc/subgid ranges (bash .ci/run does) or set STAGEBOX_TEST_USER", name)
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		return nil, fmt.Errorf("runuser (util-linux) is needed to run stagebox as %s", name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid == 0 {
		return nil, fmt.Errorf("STAGEBOX_TEST_USER=%s is root", name)
	}
	return &account{name: name, uid: uid, gid: gid, viaRunuser: true}, nil
}
