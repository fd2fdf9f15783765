package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/unshare"
)

// The parent's half of entering a user namespace. The child's half is
// containers/storage's C constructor (linked in with pkg/unshare): before
// the Go runtime starts, the child reads _Containers-unshare, unshares the
// user namespace, sends its pid down _Containers-pid-pipe, waits for
// _Containers-continue-pipe to close (anything written there is an error
// it prints), becomes root, unshares the mount namespace and re-executes
// itself from a read-only bind of the binary.
//
// Why not unshare.MaybeReexecUsingUserNamespace or unshare.Cmd: they run
// newgidmap and then newuidmap, two setuid starts (about 1.5 ms each) one
// after the other on the path of every rootless command. Here both maps
// are written at once. The environment the child gets is the library's,
// and so are the maps and the fallback when a tool fails.

// idMap is one of the two maps of the child: the ranges and how to write
// them, through the setuid tool or, when tool is "", by this process.
type idMap struct {
	file   string // "uid_map" or "gid_map"
	tool   string // "newuidmap", "newgidmap" or "" to write the file
	ranges []specs.LinuxIDMapping
	// single is the map written instead when the tool fails (the library's
	// fallback): the user's own id alone.
	single int
}

// usernsChild describes the re-execution: both maps, whether setgroups
// stays allowed, and extra environment.
type usernsChild struct {
	uids, gids idMap
	setgroups  bool
	env        []string
}

// reexecInUserNamespace runs this command again in new user and mount
// namespaces as c says and exits with the child's status. It returns only
// an error, before the child ran any of stagebox.
func reexecInUserNamespace(c usernsChild) error {
	// From here this process only waits: a garbage collection (its first
	// comes due about now) would take a processor from the child.
	debug.SetGCPercent(-1)
	pidR, pidW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("entering a user namespace: %w", err)
	}
	contR, contW, err := os.Pipe()
	if err != nil {
		pidR.Close()
		pidW.Close()
		return fmt.Errorf("entering a user namespace: %w", err)
	}
	cmd := &exec.Cmd{
		Path: "/proc/self/exe",
		Args: append([]string{os.Args[0] + "-in-a-user-namespace"}, os.Args[1:]...),
		Env: markParent(append(os.Environ(), append([]string{
			fmt.Sprintf("_Containers-unshare=%d", syscall.CLONE_NEWUSER|syscall.CLONE_NEWNS),
			"_Containers-pid-pipe=3", "_Containers-continue-pipe=4",
			unshare.UsernsEnvName + "=done",
			"_CONTAINERS_ROOTLESS_UID=" + strconv.Itoa(os.Geteuid()),
			"_CONTAINERS_ROOTLESS_GID=" + strconv.Itoa(os.Getegid()),
		}, c.env...)...)),
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		ExtraFiles:  []*os.File{pidW, contR},
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	if _, ok := os.LookupEnv("BUILDAH_ISOLATION"); !ok {
		cmd.Env = append(cmd.Env, "BUILDAH_ISOLATION=rootless") // as the library sets it
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	err = cmd.Start()
	pidW.Close()
	contR.Close()
	if err == nil {
		err = mapChild(cmd, pidR, c)
	}
	pidR.Close()
	if err != nil {
		fmt.Fprint(contW, err) // the child prints it and exits 1
		contW.Close()
		signal.Stop(sigs)
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		return fmt.Errorf("entering a user namespace: %w", err)
	}
	contW.Close() // the child goes on
	return relayAndExit(cmd, sigs)
}

// mapChild waits until the child has its user namespace, then writes
// setgroups and both maps, the two maps at the same time.
func mapChild(cmd *exec.Cmd, pidR io.Reader, c usernsChild) error {
	b, err := io.ReadAll(pidR)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(cmd.Process.Pid) {
		return fmt.Errorf("the child did not start in a new user namespace (read %q: %v)", b, err)
	}
	proc := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/"
	setgroups := "deny"
	if c.setgroups {
		setgroups = "allow"
	}
	if err := os.WriteFile(proc+"setgroups", []byte(setgroups), 0); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, m := range []idMap{c.uids, c.gids} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = writeIDMap(proc, m)
		}()
	}
	wg.Wait()
	if errs[0] != nil {
		return errs[0]
	}
	return errs[1]
}

// writeIDMap writes one map, through its tool when it has one; when the
// tool fails it warns and writes the user's own id alone, as the library
// does (the child then tolerates chown failures: ChownTolerant).
func writeIDMap(proc string, m idMap) error {
	var text bytes.Buffer
	for _, r := range m.ranges {
		fmt.Fprintf(&text, "%d %d %d\n", r.ContainerID, r.HostID, r.Size)
	}
	if m.tool != "" {
		pid := strings.TrimSuffix(strings.TrimPrefix(proc, "/proc/"), "/")
		out, err := exec.Command(m.tool, append([]string{pid}, strings.Fields(text.String())...)...).CombinedOutput()
		if err == nil {
			return nil
		}
		logrus.Warnf("running %s: %v: %s; falling back to mapping your own id alone", m.tool, err, bytes.TrimSpace(out))
		if m.file == "gid_map" {
			// A gid map written without the tool needs setgroups denied.
			if err := os.WriteFile(proc+"setgroups", []byte("deny"), 0); err != nil {
				return err
			}
		}
		text.Reset()
		fmt.Fprintf(&text, "0 %d 1\n", m.single)
	}
	return os.WriteFile(proc+m.file, text.Bytes(), 0)
}

// subIDMaps are the maps of a user with subordinate ranges: the user's
// own id as root, then the ranges one after the other (the library's
// layout), written by newuidmap and newgidmap. uid and gid are the user's
// in the user database: the ids newuidmap and newgidmap let a user map.
func subIDMaps(uid, gid int, subUIDs, subGIDs []specs.LinuxIDMapping) (uids, gids idMap) {
	stack := func(own int, sub []specs.LinuxIDMapping) []specs.LinuxIDMapping {
		out := []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(own), Size: 1}}
		next := uint32(1)
		for _, r := range sub {
			out = append(out, specs.LinuxIDMapping{ContainerID: next, HostID: r.HostID, Size: r.Size})
			next += r.Size
		}
		return out
	}
	uids = idMap{file: "uid_map", tool: "newuidmap", ranges: stack(uid, subUIDs), single: os.Geteuid()}
	gids = idMap{file: "gid_map", tool: "newgidmap", ranges: stack(gid, subGIDs), single: os.Getegid()}
	return uids, gids
}
