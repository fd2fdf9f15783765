package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// capSysAdmin is CAP_SYS_ADMIN's bit in /proc/self/status's CapEff mask.
const capSysAdmin = 21

// procStatus is what the isolation probes need from /proc/self/status.
type procStatus struct {
	capEff     uint64 // effective capabilities
	noNewPrivs bool   // setuid bits and file capabilities are ignored at exec
}

func (s procStatus) hasCapSysAdmin() bool { return s.capEff&(1<<capSysAdmin) != 0 }

// parseStatus reads the CapEff and NoNewPrivs fields of a status file.
func parseStatus(data string) (procStatus, error) {
	var s procStatus
	var seen bool
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "CapEff":
			n, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				return s, fmt.Errorf("CapEff %q: %w", v, err)
			}
			s.capEff, seen = n, true
		case "NoNewPrivs":
			s.noNewPrivs = v == "1"
		}
	}
	if !seen {
		return s, errors.New("no CapEff line")
	}
	return s, nil
}

func readStatus(procRoot string) (procStatus, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, "self", "status"))
	if err != nil {
		return procStatus{}, err
	}
	return parseStatus(string(b))
}

// parseIDMap parses /proc/PID/uid_map or gid_map: "inside outside count"
// per line.
func parseIDMap(data string) ([]specs.LinuxIDMapping, error) {
	var out []specs.LinuxIDMapping
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("id map line %q: want 3 fields", line)
		}
		var n [3]uint64
		for i := range f {
			v, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("id map line %q: %w", line, err)
			}
			n[i] = v
		}
		out = append(out, specs.LinuxIDMapping{ContainerID: uint32(n[0]), HostID: uint32(n[1]), Size: uint32(n[2])})
	}
	return out, nil
}

// outsideMap returns the subordinate ranges (HostID, Size as /etc/subuid
// gives them) that this process's own map does not cover: ids a remapped
// container (userns-remap, hostUsers: false) does not have, which
// newuidmap refuses to map.
func outsideMap(sub, own []specs.LinuxIDMapping) []specs.LinuxIDMapping {
	var out []specs.LinuxIDMapping
	for _, r := range sub {
		if !covered(own, uint64(r.HostID), uint64(r.HostID)+uint64(r.Size)) {
			out = append(out, r)
		}
	}
	return out
}

// covered reports whether [lo, hi) lies within one range of ids visible in
// this namespace (the ContainerID side of its map).
func covered(own []specs.LinuxIDMapping, lo, hi uint64) bool {
	for _, m := range own {
		if lo >= uint64(m.ContainerID) && hi <= uint64(m.ContainerID)+uint64(m.Size) {
			return true
		}
	}
	return false
}

// Filesystem magic numbers (statfs f_type) that break a store.
const (
	overlayfsMagic = 0x794c7630
	nfsMagic       = 0x6969
	smbMagic       = 0x517b
	cifsMagic      = 0xff534d42
)

// fsKindOf names the filesystem types under which native overlay cannot
// keep its upper directories: "overlay", "nfs" (also SMB/CIFS), or "".
func fsKindOf(magic int64) string {
	switch uint32(magic) {
	case overlayfsMagic:
		return "overlay"
	case nfsMagic, smbMagic, cifsMagic:
		return "nfs"
	}
	return ""
}

// storeFSKind statfs's the store, or its nearest existing parent when it
// does not exist yet (it will be made there).
func storeFSKind(dir string) string {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		var st unix.Statfs_t
		if err := unix.Statfs(d, &st); err == nil {
			return fsKindOf(int64(st.Type))
		}
		if d == "/" || d == "." {
			return ""
		}
	}
}

// writable reports whether a file can be created in dir; a missing dir
// counts as writable when its parent is.
func writable(dir string) bool {
	if dir == "" {
		return true
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return writable(filepath.Dir(dir))
	}
	return unix.Access(dir, unix.W_OK) == nil && !readOnlyMount(dir)
}

func readOnlyMount(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Flags&unix.ST_RDONLY != 0
}
