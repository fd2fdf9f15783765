package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// An operator's runner gets killed: Ctrl-C, a CI timeout's SIGTERM, the
// OOM killer's SIGKILL, at any point of a build. Afterwards the store must
// be as good as before: no process or mount left (or cleaned up by the next
// command), no tag on a half-made image, and the same build working.

// phase is a point of a build to interrupt, with the Dockerfile that gets
// there and how to tell it has begun.
type phase struct {
	name       string
	dockerfile string
	files      map[string]string
	begun      func(out string) bool
	// driver, when set, is the store's --storage-driver: overlay commits
	// layers sealed in place within milliseconds, vfs copies them (seconds).
	driver string
}

var napper = []string{"sleep", "4174"}

func faultPhases() []phase {
	big := map[string]string{}
	for i := range 1500 {
		big[fmt.Sprintf("big/d%02d/f%04d", i%30, i)] = strings.Repeat(fmt.Sprintf("%05d", i), 7000)[:32<<10]
	}
	return []phase{{
		name:       "RUN",
		dockerfile: "FROM busybox\nARG NAP=4174\nRUN touch /half-made && sleep $NAP\n",
		begun:      func(string) bool { return len(processesRunning(napper)) > 0 },
	}, {
		name:       "COPY of a big tree",
		dockerfile: "FROM busybox\nCOPY big/ /big/\nARG NAP\n",
		files:      big,
		begun:      func(out string) bool { return strings.Contains(out, "COPY big/") },
	}, {
		// On overlay a commit stands the image on the sealed layers within
		// milliseconds; with vfs it copies them, long enough to be hit.
		name:       "commit copying layers (vfs)",
		dockerfile: "FROM busybox\nRUN dd if=/dev/urandom of=/big bs=1M count=32 2>/dev/null\nARG NAP\n",
		begun:      func(out string) bool { return strings.Contains(out, "COMMIT") },
		driver:     "vfs",
	}}
}

func TestSignalsMidBuildLeaveTheStoreWorking(t *testing.T) {
	phases := faultPhases()
	both(t, func(t *testing.T, a *account) {
		stores := map[string]*store{}
		for _, p := range phases {
			s := stores[p.driver]
			if s == nil {
				s = newStore(t, a)
				s.driver = p.driver
				s.busybox(t)
				stores[p.driver] = s
			}
			ctx := s.context(t, mergeFiles(p.files, map[string]string{"Dockerfile": p.dockerfile}))
			for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
				t.Run(p.name+"/"+sig.String(), func(t *testing.T) {
					r := s.interrupt(t, ctx, p.begun, sig, "bud", "--no-cache", "-t", "victim", ctx)
					s.checkRecovered(t, r, ctx)
				})
			}
		}
	})
}

// interrupted is an interrupted build's outcome.
type interrupted struct {
	result
	sig syscall.Signal
	// beforeCommit: the signal went out before the build began to commit.
	beforeCommit bool
}

// interrupt runs stagebox until begun says the phase is under way, then
// sends sig: SIGINT and SIGTERM to the process group, as a terminal or a
// CI runner does, SIGKILL to stagebox alone, as the OOM killer does.
func (s *store) interrupt(t *testing.T, dir string, begun func(string) bool, sig syscall.Signal, args ...string) interrupted {
	t.Helper()
	cmd := s.a.command(context.Background(), s.dir, opts{}, s.args(args...)...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}()
	if !waitFor(60*time.Second, func() bool { return begun(out.String()) }, exited) {
		t.Fatalf("the phase never began:\n%s", out.String())
	}
	beforeCommit := false
	select {
	case <-exited:
		t.Logf("stagebox finished before the %s", sig)
	default:
		beforeCommit = !strings.Contains(out.String(), "COMMIT")
		if sig == syscall.SIGKILL {
			syscall.Kill(stageboxPid(t, s.a, cmd.Process.Pid), sig)
		} else {
			syscall.Kill(-cmd.Process.Pid, sig)
		}
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("stagebox did not stop within 60s of %s:\n%s", sig, out.String())
	}
	r := interrupted{result{args: args, stdout: out.String(), code: cmd.ProcessState.ExitCode()}, sig, beforeCommit}
	checkNoStackTrace(t, r.result)
	// A killed stagebox's own children die by their parent-death signal,
	// a moment later; until then they hold the build's lock. The bound is
	// generous: a process inside fsync (storage syncs layers.json) takes
	// its SIGKILL only when the disk answers, which took over 10 s once
	// while the locked-down suite ran beside this one.
	if !waitFor(30*time.Second, func() bool { return len(groupMembers(cmd.Process.Pid)) == 0 }, nil) {
		t.Errorf("processes of the build outlived it by 30s: %v", groupMembers(cmd.Process.Pid))
	}
	return r
}

// groupMembers lists the live processes of process group pgid. A killed
// process whose main thread is a zombie is still alive while another of
// its threads finishes a system call (an fsync, an overlay's sync on
// unmount): its files, the build's lock among them, close only then.
func groupMembers(pgid int) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		f := procStat(filepath.Join("/proc", e.Name(), "stat"))
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && (f[0] != "Z" || liveThread(e.Name())) {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			pids = append(pids, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return pids
}

// procStat is a /proc stat file's fields after the command name: state,
// ppid, pgrp, ... (the name may hold spaces, so the split is after ')').
func procStat(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(data), ')')
	return strings.Fields(string(data)[i+1:])
}

// liveThread reports whether a thread of process pid is not a zombie.
func liveThread(pid string) bool {
	tasks, _ := os.ReadDir(filepath.Join("/proc", pid, "task"))
	for _, t := range tasks {
		if f := procStat(filepath.Join("/proc", pid, "task", t.Name(), "stat")); len(f) > 0 && f[0] != "Z" {
			return true
		}
	}
	return false
}

// stageboxPid is the stagebox process itself: runuser's child when the
// suite reaches the unprivileged user through runuser.
func stageboxPid(t *testing.T, a *account, pid int) int {
	t.Helper()
	if !a.viaRunuser {
		return pid
	}
	var child int
	waitFor(5*time.Second, func() bool {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		child, _ = strconv.Atoi(strings.Fields(string(data) + " 0")[0])
		return child > 0
	}, nil)
	if child == 0 {
		t.Fatalf("runuser (pid %d) has no child", pid)
	}
	return child
}

// checkRecovered asserts what must hold after an interrupted build of ctx.
func (s *store) checkRecovered(t *testing.T, r interrupted, ctx string) {
	t.Helper()
	sig := r.sig
	if r.beforeCommit && r.code == 0 {
		t.Errorf("exit status 0 after %s", sig)
	}
	if !waitFor(10*time.Second, func() bool { return len(processesRunning(napper)) == 0 }, nil) {
		t.Errorf("the RUN's process outlived stagebox after %s: pids %v", sig, processesRunning(napper))
		for _, pid := range processesRunning(napper) {
			n, _ := strconv.Atoi(pid)
			syscall.Kill(n, syscall.SIGKILL)
		}
	}
	if m := mountsUnder(t, s.dir); len(m) > 0 {
		t.Errorf("mounts left after %s:\n%s", sig, strings.Join(m, "\n"))
	}
	// The next command works, and cleans up what a killed build left.
	images := s.images(t)
	orphans := orphanLayers(t, s)
	left, _ := filepath.Glob(filepath.Join(s.root(), "stagebox-work", "*"))
	if len(orphans) > 0 || len(left) > 0 {
		// What the next command says while cleaning up tells why not.
		debug := s.run(t, opts{}, "--log-level", "debug", "images")
		t.Errorf("after %s and `images`, layers no image or cache entry uses: %v; scratch areas left: %v\n%s", sig, orphans, left, debug.stderr)
	}
	switch tagged := strings.Contains(images, "localhost/victim"); {
	case tagged && r.beforeCommit:
		t.Errorf("the build got %s before its commit, yet committed and tagged an image", sig)
	case tagged:
		s.image(t, "victim") // committed as the signal came: the image must be whole
	}
	id := s.must(t, "bud", "-t", "victim", "--build-arg", "NAP=0", ctx).id(t)
	s.image(t, id)
	s.must(t, "rmi", "victim")
}

// orphanLayers lists layers that neither an image nor a cache entry
// stands on: what a killed build leaves unless something cleans up.
func orphanLayers(t *testing.T, s *store) []string {
	t.Helper()
	type layer struct {
		ID, Parent string
		Names      []string
	}
	var ls []layer
	var imgs []struct{ Layer string }
	driver := cmp.Or(s.driver, "overlay")
	readJSON(t, filepath.Join(s.root(), driver+"-layers", "layers.json"), &ls)
	readJSON(t, filepath.Join(s.root(), driver+"-images", "images.json"), &imgs)
	parent := map[string]string{}
	used := map[string]bool{}
	for _, l := range ls {
		parent[l.ID] = l.Parent
	}
	mark := func(id string) {
		for ; id != "" && !used[id]; id = parent[id] {
			used[id] = true
		}
	}
	for _, img := range imgs {
		mark(img.Layer)
	}
	for _, l := range ls {
		if len(l.Names) > 0 {
			mark(l.ID)
		}
	}
	var orphans []string
	for _, l := range ls {
		if !used[l.ID] {
			orphans = append(orphans, l.ID[:12])
		}
	}
	return orphans
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return
	}
	must(t, err)
	must(t, json.Unmarshal(data, v))
}

func mergeFiles(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestConcurrentBuildsShareAStore: builds at once on one store, two of
// them tagging the same name, all succeed; the name ends on one of the two
// images, each image is whole.
func TestConcurrentBuildsShareAStore(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		type build struct {
			tag, dockerfile string
			r               result
		}
		builds := []*build{
			{tag: "same", dockerfile: "FROM busybox\nRUN echo one > /who && sleep 1\nCOPY . /ctx/\n"},
			{tag: "same", dockerfile: "FROM busybox\nRUN echo two > /who && sleep 1\nCOPY . /ctx/\n"},
			{tag: "other", dockerfile: "FROM busybox\nRUN echo three > /who && sleep 1\nCOPY . /ctx/\n"},
		}
		var wg sync.WaitGroup
		for _, b := range builds {
			ctx := s.context(t, map[string]string{"Dockerfile": b.dockerfile})
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.r = s.run(t, opts{}, "bud", "-t", b.tag, ctx)
			}()
		}
		wg.Wait()
		ids := map[string]bool{}
		for _, b := range builds {
			if b.r.code != 0 {
				t.Fatalf("a concurrent build failed:\n%s", b.r)
			}
			ids[b.r.id(t)] = true
		}
		same := s.image(t, "same").Files()
		if who := string(wantPresent(t, same, "/who").Data); who != "one\n" && who != "two\n" {
			t.Errorf("the shared tag names an image with /who %q", who)
		}
		wantFile(t, s.image(t, "other").Files(), "/who", "three\n")
		// The build that committed first lost "same" to the other, and with
		// nothing standing on it its image is gone: no <none> left behind.
		named := map[string]bool{}
		for _, tag := range []string{"same", "other", "busybox"} {
			named[strings.TrimSpace(s.must(t, "inspect", "-f", "{{.Id}}", tag).stdout)] = true
		}
		for id := range ids {
			if named[id] {
				s.image(t, id)
			} else if r := s.run(t, opts{}, "inspect", id); r.code == 0 {
				t.Errorf("image %s lost its only name to a concurrent build, yet is still stored", id)
			}
		}
		wantNoDangling(t, s)
		if orphans := orphanLayers(t, s); len(orphans) > 0 {
			t.Errorf("concurrent builds left layers nothing uses: %v", orphans)
		}
	})
}

// TestDiskFullDuringRunFailsCleanly: a RUN that fills the store's disk
// fails on one line that says so, leaves no image and no space taken, and
// the store keeps working.
func TestDiskFullDuringRunFailsCleanly(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := tmpfsStore(t, a, "48m")
		s.busybox(t)
		before := usedBytes(t, s.root())
		r := s.bud(t, opts{}, "FROM busybox\nRUN dd if=/dev/zero of=/big bs=1M count=100\n", nil, "-t", "full")
		wantOneLineError(t, r, "Dockerfile:2", "status 1", "disk", "full")
		if used := usedBytes(t, s.root()); used > before+(2<<20) {
			t.Errorf("the failed RUN's layer still takes space: %d bytes used, %d before", used, before)
		}
		if strings.Contains(s.images(t), "localhost/full") {
			t.Error("the failed build tagged an image")
		}
		if orphans := orphanLayers(t, s); len(orphans) > 0 {
			t.Errorf("layers nothing uses after the failure: %v", orphans)
		}
		wantFile(t, s.image(t, s.build(t, "FROM busybox\nRUN echo ok > /ok\n", nil)).Files(), "/ok", "ok\n")
	})
}

// TestDiskFullDuringCommitFailsCleanly: the store's disk fills while the
// image is written (vfs copies layers at commit); the build fails on one
// line, no image carries the tag, and once space is freed the same build
// succeeds.
func TestDiskFullDuringCommitFailsCleanly(t *testing.T) {
	dockerfile := "FROM busybox\nRUN dd if=/dev/urandom of=/big bs=1M count=12 2>/dev/null\n"
	both(t, func(t *testing.T, a *account) {
		s := tmpfsStore(t, a, "64m")
		s.driver = "vfs"
		s.busybox(t)
		filler := fill(t, s.root(), 22<<20)
		ctx := s.context(t, map[string]string{"Dockerfile": dockerfile})
		r := s.run(t, opts{}, "bud", "-t", "full", ctx)
		if !strings.Contains(r.stderr, "COMMIT") {
			t.Fatalf("the build failed before its commit, want it to fail while committing:\n%s", r)
		}
		wantOneLineError(t, r, "commit", "no space left")
		if strings.Contains(s.images(t), "localhost/full") {
			t.Error("the failed commit tagged an image")
		}
		must(t, os.Remove(filler))
		id := s.must(t, "bud", "-t", "full", ctx).id(t)
		if e := wantPresent(t, s.image(t, "full").Files(), "/big"); e.Size != 12<<20 {
			t.Errorf("the image committed after freeing space has a /big of %d bytes (%d read), want 12 MiB", e.Size, len(e.Data))
		}
		s.image(t, id)
	})
}
