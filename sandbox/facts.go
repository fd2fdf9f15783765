package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

type specsMapping = specs.LinuxIDMapping

// facts is everything the tier choice and `info` depend on, probed once
// at start, before any namespace is entered or anything is pulled.
type facts struct {
	euid, uid  int
	user, home string
	status     procStatus
	oci        nsProbe // root only: new mount+PID namespaces, no user namespace
	userns     nsProbe // a user namespace mapping our own ids
	sysctlBad  []problem
	apparmor   bool
	prootPath  string
	// newuidmap, non-root with ranges only.
	mapErr    error
	mapSetuid bool
	ownUIDs   []specsMapping
	outside   []specsMapping
	// the store and the temporary directories.
	storeDir, storeKind, tmpDir string
	fuseOK                      bool
	fuseWhy                     string
	homeRO, tmpRO               bool
}

// gatherFacts runs the probes. mode is the --isolation value: a forced
// tier skips nothing (info wants every reason), but only the probes that
// can matter run newuidmap.
func gatherFacts(mode, storeDir string) facts {
	f := facts{euid: os.Geteuid(), uid: os.Getuid(), storeDir: storeDir, tmpDir: os.TempDir()}
	f.user = strconv.Itoa(f.uid)
	if u, err := user.LookupId(f.user); err == nil {
		f.user, f.home = u.Username, u.HomeDir
	}
	if h := os.Getenv("HOME"); h != "" {
		f.home = h
	}
	f.status, _ = readStatus("/proc")
	probe := defaultProbe()
	f.sysctlBad = probe.checkSysctls()
	if v, ok := probe.sysctl("sys/kernel/apparmor_restrict_unprivileged_userns"); ok && v != 0 {
		f.apparmor = true
	}
	// The two namespace probes are independent children: run them side by
	// side, since each costs an exec of this binary and every command waits.
	var wg sync.WaitGroup
	if f.euid == 0 {
		wg.Add(1)
		go func() { defer wg.Done(); f.oci = probeNamespaces(false) }()
	}
	f.userns = probeNamespaces(true)
	wg.Wait()
	f.prootPath = findProot()
	if f.euid != 0 {
		f.probeMapTools(probe, f.userns.start == nil && mode != TierProot)
	}
	if storeDir != "" {
		f.storeKind = storeFSKind(storeDir)
	}
	f.fuseOK, f.fuseWhy = fuseUsable()
	f.homeRO = f.euid != 0 && f.home != "" && !writable(f.home)
	f.tmpRO = !writable(f.tmpDir)
	return f
}

// probeMapTools compares the user's ranges with the ids this (possibly
// remapped) container has and, with tryTool, tries newuidmap for real
// (which needs a user namespace to map).
func (f *facts) probeMapTools(probe hostProbe, tryTool bool) {
	uids, _, err := probe.subIDs(f.user)
	if err != nil || len(uids) == 0 {
		return
	}
	if b, err := os.ReadFile("/proc/self/uid_map"); err == nil {
		if f.ownUIDs, err = parseIDMap(string(b)); err == nil {
			f.outside = outsideMap(uids, f.ownUIDs)
		}
	}
	if !tryTool {
		return
	}
	tool, err := probe.lookPath("newuidmap")
	if err != nil {
		return // checkMapTools reports it
	}
	if st, err := os.Stat(tool); err == nil {
		f.mapSetuid = st.Mode()&os.ModeSetuid != 0
	}
	f.mapErr = probeNewUIDMap(tool, uids[0].HostID)
}

// findProot looks on PATH, then next to the stagebox binary.
func findProot() string {
	if p, err := exec.LookPath("proot"); err == nil {
		return p
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "proot")
		if unix.Access(p, unix.X_OK) == nil {
			return p
		}
	}
	return ""
}

func fuseUsable() (bool, string) {
	fd, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return false, pe.Err.Error()
		}
		return false, err.Error()
	}
	fd.Close()
	return true, ""
}

// relevantProbe is the namespace probe of the libcontainer tier in play.
func (f facts) relevantProbe() nsProbe {
	if f.euid == 0 && f.oci.start == nil && f.status.hasCapSysAdmin() {
		return f.oci
	}
	return f.userns
}

func (f facts) seccompRefusesUserNS() bool {
	return f.userns.start != nil && errors.Is(f.userns.start, unix.EPERM) && len(f.sysctlBad) == 0
}

// Why each tier is unavailable; "" when it is available.
func (f facts) ociWhy() string {
	switch {
	case f.euid != 0:
		return fmt.Sprintf("stagebox runs as uid %d, and this tier needs root", f.euid)
	case !f.status.hasCapSysAdmin():
		return "root here has no CAP_SYS_ADMIN (a default container)"
	case f.oci.start != nil:
		return fmt.Sprintf("creating mount and PID namespaces failed: %v", f.oci.start)
	}
	return ""
}

func (f facts) rootlessWhy() string {
	for _, p := range f.sysctlBad {
		if p.fatal && (f.euid != 0 || f.userns.start != nil) {
			return p.cause
		}
	}
	if f.userns.start != nil {
		return fmt.Sprintf("unshare(CLONE_NEWUSER) is refused: %v", f.userns.start)
	}
	return ""
}

func (f facts) prootWhy() string {
	if f.prootPath == "" {
		return "proot is not installed (not on PATH nor next to stagebox): apt-get install proot"
	}
	return ""
}

// needsProot: no libcontainer tier works here.
func (f facts) needsProot() bool {
	return f.ociWhy() != "" && f.rootlessWhy() != ""
}
