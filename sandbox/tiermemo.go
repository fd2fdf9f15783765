package sandbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// memoDir is where ChooseIsolation keeps its decisions ("" keeps none).
var memoDir string

// RememberChoices lets ChooseIsolation keep its decision in dir (the
// store's run root) and take it from there while nothing the probes look
// at has changed: the probes exec this binary and newuidmap, about 30 ms
// of every command, and a cached rebuild takes less than that otherwise.
// `info` never calls it: it probes afresh.
func RememberChoices(dir string) { memoDir = dir }

// memoStatusFields are the /proc/self/status lines a tier depends on.
var memoStatusFields = []string{"Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:",
	"NoNewPrivs:", "Seccomp:", "Seccomp_filters:"}

// fingerprint digests everything the probes' outcome depends on, read
// cheaply: the process's credentials, capabilities, seccomp and
// no_new_privs; the namespaces it is in (a container is its own) and the
// boot; the id maps, subordinate ranges and the map tools; the sysctls
// that allow user namespaces; the /proc mounts (masked paths); the store's
// and the temporary directories' filesystems; proot, fuse and this binary.
func fingerprint(mode, storeDir string) string {
	h := sha256.New()
	fmt.Fprintf(h, "mode=%s\x00store=%s\x00tmp=%s\x00home=%s\x00", mode, storeDir, os.TempDir(), os.Getenv("HOME"))
	memoStatus(h)
	for _, ns := range []string{"user", "mnt", "pid", "net"} {
		l, _ := os.Readlink("/proc/self/ns/" + ns)
		fmt.Fprintf(h, "ns=%s\x00", l)
	}
	for _, f := range []string{"/proc/sys/kernel/random/boot_id", "/proc/self/uid_map", "/proc/self/gid_map",
		"/proc/self/setgroups", "/proc/sys/user/max_user_namespaces", "/proc/sys/kernel/unprivileged_userns_clone",
		"/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "/etc/subuid", "/etc/subgid"} {
		b, _ := os.ReadFile(f)
		fmt.Fprintf(h, "%s=%d:%s\x00", f, len(b), b)
	}
	for _, tool := range []string{"newuidmap", "newgidmap", "proot", "fuse-overlayfs"} {
		p, _ := exec.LookPath(tool)
		memoStat(h, p)
	}
	for _, f := range []string{"/proc/self/exe", "/dev/fuse", "/etc/passwd"} {
		memoStat(h, f)
	}
	for _, dir := range []string{os.Getenv("HOME"), os.TempDir()} {
		memoDirStat(h, dir) // their contents change all the time; what matters does not
	}
	fmt.Fprintf(h, "storefs=%s\x00", storeFSKind(storeDir))
	memoProcMounts(h)
	return hex.EncodeToString(h.Sum(nil))
}

func memoStatus(w io.Writer) {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		for _, f := range memoStatusFields {
			if strings.HasPrefix(line, f) {
				fmt.Fprintf(w, "%s\x00", line)
			}
		}
	}
}

// memoStat writes what identifies a file's version and permissions.
func memoStat(w io.Writer, path string) {
	var st unix.Stat_t
	if path == "" || unix.Stat(path, &st) != nil {
		fmt.Fprintf(w, "%s=none\x00", path)
		return
	}
	var fs unix.Statfs_t
	_ = unix.Statfs(path, &fs)
	fmt.Fprintf(w, "%s=%d:%d:%o:%d:%d:%d:%d.%d:%d.%d:%d\x00", path, st.Dev, st.Ino, st.Mode, st.Uid, st.Gid, st.Size,
		st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec, fs.Flags)
}

// memoDirStat writes a directory's owner, permissions and filesystem.
func memoDirStat(w io.Writer, path string) {
	var st unix.Stat_t
	var fs unix.Statfs_t
	if path == "" || unix.Stat(path, &st) != nil || unix.Statfs(path, &fs) != nil {
		fmt.Fprintf(w, "%s=none\x00", path)
		return
	}
	fmt.Fprintf(w, "%s=%d:%o:%d:%d:%d:%d\x00", path, st.Dev, st.Mode, st.Uid, st.Gid, fs.Type, fs.Flags)
}

// memoProcMounts writes the mounts at and below /proc (masked paths make a
// fresh procfs fail in a user namespace).
func memoProcMounts(w io.Writer) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && (fields[4] == "/proc" || strings.HasPrefix(fields[4], "/proc/")) {
			fmt.Fprintf(w, "%s %s\x00", fields[3], fields[4])
		}
	}
}

// memoPath is the file holding the decision for key.
func memoPath(key string) string {
	return filepath.Join(memoDir, "isolation-"+key[:32]+".json")
}

// loadChoice returns the decision kept for key, if this user's own,
// private file holds one for exactly that key.
func loadChoice(key string) (*state, bool) {
	if memoDir == "" {
		return nil, false
	}
	f, err := os.Open(memoPath(key))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil || int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		return nil, false
	}
	var m struct {
		Key   string `json:"key"`
		State state  `json:"state"`
	}
	if err := json.NewDecoder(f).Decode(&m); err != nil || m.Key != key {
		return nil, false
	}
	logrus.Debugf("the tier probes' decision kept in %s (nothing they look at changed)", f.Name())
	return &m.State, true
}

// saveChoice keeps s for key, replacing decisions kept for other keys.
func saveChoice(key string, s *state) {
	if memoDir == "" {
		return
	}
	b, err := json.Marshal(map[string]any{"key": key, "state": s})
	if err != nil {
		return
	}
	if err := os.MkdirAll(memoDir, 0o700); err != nil {
		logrus.Debugf("keeping the isolation decision: %v", err)
		return
	}
	old, _ := filepath.Glob(filepath.Join(memoDir, "isolation-*.json"))
	tmp, err := os.CreateTemp(memoDir, ".isolation-")
	if err != nil {
		logrus.Debugf("keeping the isolation decision: %v", err)
		return
	}
	_, werr := io.Copy(tmp, bytes.NewReader(b))
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), memoPath(key))
	}
	if werr != nil {
		os.Remove(tmp.Name())
		logrus.Debugf("keeping the isolation decision: %v", werr)
		return
	}
	for _, o := range old {
		if o != memoPath(key) {
			os.Remove(o)
		}
	}
}

// HostRoot reports whether this process is root with CAP_SYS_ADMIN in the
// host's user namespace: what a command that mounts nothing and runs no
// step (push, pull) needs to use the store as it is, with no probe and no
// namespace of its own.
func HostRoot() bool {
	if os.Geteuid() != 0 {
		return false
	}
	st, err := readStatus("/proc")
	if err != nil || !st.hasCapSysAdmin() {
		return false
	}
	m, err := os.ReadFile("/proc/self/uid_map")
	return err == nil && strings.Join(strings.Fields(string(m)), " ") == "0 0 4294967295"
}
