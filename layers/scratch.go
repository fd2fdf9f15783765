package layers

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	digest "github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"
	"go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// scratchDirName holds one area per stagebox process that wrote to the
// store: <token>.lock, which the process holds flock'ed while it lives, and
// <token>/layers, the IDs of the working layers it created. A build deletes
// its working layers itself, but a build killed by SIGKILL (an OOM kill, a
// CI runner's timeout) cannot. The kernel drops a dead process's flocks,
// so the next stagebox to open the store can tell an abandoned area from a
// live one without trusting pids, and deletes what the area lists.
const scratchDirName = "stagebox-work"

// scratch is this process's area, made on first use.
type scratch struct {
	mu      sync.Mutex
	base    string // <graphroot>/stagebox-work
	token   string
	lock    *os.File // flock'ed LOCK_EX until Shutdown or death
	journal *os.File // <token>/layers, append-only
}

func newScratch(graphRoot string) *scratch {
	return &scratch{base: filepath.Join(graphRoot, scratchDirName)}
}

func (s *scratch) dir() string      { return filepath.Join(s.base, s.token) }
func (s *scratch) lockPath() string { return filepath.Join(s.base, s.token+".lock") }

// open creates the area. The lock file is made and locked under a name the
// reaper ignores, then renamed into place: a reaper must never see an area
// whose lock is not held yet.
func (s *scratch) open() error {
	if s.lock != nil {
		return nil
	}
	if err := os.MkdirAll(s.base, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", s.base, err)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("naming a scratch area: %w", err)
	}
	s.token = hex.EncodeToString(b)
	tmp := filepath.Join(s.base, ".new-"+s.token)
	lock, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("creating a scratch area: %w", err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		lock.Close()
		os.Remove(tmp)
		return fmt.Errorf("locking a scratch area: %w", err)
	}
	err = errors.Join(os.Mkdir(s.dir(), 0o700), os.Rename(tmp, s.lockPath()))
	if err == nil {
		s.journal, err = os.OpenFile(filepath.Join(s.dir(), "layers"), os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_CLOEXEC, 0o600)
	}
	if err != nil {
		lock.Close()
		os.Remove(tmp)
		os.RemoveAll(s.dir())
		os.Remove(s.lockPath())
		return fmt.Errorf("creating a scratch area: %w", err)
	}
	s.lock = lock
	return nil
}

// record notes a working layer this process created.
func (s *scratch) record(layerID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.open(); err != nil {
		return err
	}
	if _, err := s.journal.WriteString(layerID + "\n"); err != nil {
		return fmt.Errorf("recording working layer %s: %w", shortID(layerID), err)
	}
	return nil
}

// recordCommit notes the diffs a commit is about to write as new layers
// (the copy path: storage applies each diff to a layer of its own). A
// commit stopped midway leaves those layers, complete, yet used by no
// image; close and reapAbandoned delete the ones no image ended up using.
func (s *scratch) recordCommit(diffIDs []digest.Digest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.open(); err != nil {
		return err
	}
	var b strings.Builder
	for _, d := range diffIDs {
		b.WriteString(commitPrefix + d.String() + "\n")
	}
	if _, err := s.journal.WriteString(b.String()); err != nil {
		return fmt.Errorf("recording a commit: %w", err)
	}
	return nil
}

// commitPrefix marks a journal line naming a diff a commit wrote.
const commitPrefix = "commit "

// tmp is the area's directory for temporary files (commit diffs).
func (s *scratch) tmp() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.open(); err != nil {
		return "", err
	}
	dir := filepath.Join(s.dir(), "tmp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating a scratch directory: %w", err)
	}
	return dir, nil
}

// close releases the area at the end of a process: removed when every
// layer it lists is gone or kept, else left unlocked for the next stagebox
// to finish (a deletion that failed, say on a full disk).
func (s *scratch) close(st storage.Store) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return
	}
	s.journal.Close()
	if reap(st, s.dir(), false) {
		removeArea(s.dir(), s.lockPath())
	}
	s.lock.Close()
	s.lock = nil
}

// reapAbandoned cleans up after stagebox processes that died holding
// working layers: every area whose lock can be taken has no live owner.
func (s *scratch) reapAbandoned(st storage.Store) {
	entries, err := os.ReadDir(s.base)
	if err != nil {
		return // no area was ever made here
	}
	for _, e := range entries {
		token, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || token == s.token {
			continue
		}
		lockPath := filepath.Join(s.base, e.Name())
		f, err := os.OpenFile(lockPath, os.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			dir := filepath.Join(s.base, token)
			logrus.Debugf("cleaning up after a stagebox process that died: %s", dir)
			if reapSoon(st, dir) {
				removeArea(dir, lockPath)
			}
		}
		f.Close()
	}
}

// reap deletes the layers listed in an area, newest first, and reports
// whether none is left behind. A layer with a name (a cache entry) was
// kept on purpose; one that is gone was deleted by its build (abandoned:
// or its record was lost, see removeOrphan); one an image or another layer
// stands on is in use.
func reap(st storage.Store, dir string, abandoned bool) bool {
	entries, err := readJournal(filepath.Join(dir, "layers"))
	if err != nil {
		logrus.Debugf("reading %s: %v", dir, err)
		return false
	}
	clean := true
	for _, e := range slices.Backward(entries) {
		for _, id := range journaledLayers(st, e) {
			if err := reapLayer(st, id, abandoned); err != nil {
				logrus.Debugf("deleting abandoned layer %s: %v", shortID(id), err)
				clean = false
			}
		}
	}
	return clean
}

// reapSoon is reap, tried again for a while when it fails: a process
// killed an instant ago may still be tearing down its mount namespace,
// whose overlay mounts keep its layers' directories busy. The kernel
// releases them after the last process of the namespace is gone, and on a
// machine busy writing that took more than the 1.5 s once allowed here
// (an e2e run under load left the layer for the next command); the wait
// is paid only after a crash, by the first command that finds it.
func reapSoon(st storage.Store, dir string) bool {
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		if reap(st, dir, true) {
			return true
		}
		if wait > 3200*time.Millisecond {
			return false
		}
		time.Sleep(wait)
	}
}

// journaledLayers resolves a journal entry: a working layer's ID, or a
// committed diff, which names every layer storage made of it.
func journaledLayers(st storage.Store, entry string) []string {
	d, ok := strings.CutPrefix(entry, commitPrefix)
	if !ok {
		return []string{entry}
	}
	dgst, err := digest.Parse(d)
	if err != nil {
		return nil
	}
	layers, _ := st.LayersByUncompressedDigest(dgst)
	var ids []string
	for _, l := range layers {
		ids = append(ids, l.ID)
	}
	return ids
}

func reapLayer(st storage.Store, id string, abandoned bool) error {
	l, err := st.Layer(id)
	if errors.Is(err, storage.ErrLayerUnknown) {
		if !abandoned {
			return nil // a live build deleted it itself
		}
		return removeOrphan(st, id)
	}
	if err == nil && len(l.Names) > 0 {
		return nil
	}
	if err != nil {
		return err
	}
	// A dead process's mounts died with its mount namespace; only the
	// store's count of them is left to reset.
	if l.MountCount > 0 {
		if _, err := st.Unmount(id, true); err != nil {
			logrus.Debugf("resetting the mount count of layer %s: %v", shortID(id), err)
		}
	}
	err = deleteLayer(st, id)
	if errors.Is(err, storage.ErrLayerUsedByImage) || errors.Is(err, storage.ErrLayerHasChildren) {
		return nil
	}
	return err
}

// removeOrphan deletes the files of a journalled working layer the store
// has no record of: a volatile record (NewLayer) is written without an
// fsync, so a machine that crashed may have lost it and left the layer's
// directory behind. The ID is a random one this journal gave out, so no
// other layer can own it.
func removeOrphan(st storage.Store, id string) error {
	driver, err := st.GraphDriver()
	if err != nil {
		return err
	}
	if !driver.Exists(id) {
		return nil // deleted by its build, as most are
	}
	if err := driver.Remove(id); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func readJournal(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if id := strings.TrimSpace(sc.Text()); id != "" {
			ids = append(ids, id)
		}
	}
	return ids, sc.Err()
}

func removeArea(dir, lockPath string) {
	if err := os.RemoveAll(dir); err != nil {
		logrus.Debugf("removing %s: %v", dir, err)
		return
	}
	os.Remove(lockPath)
}

// deleteLayer deletes a layer even on a full disk. Deleting first records
// the layer as incomplete in layers.json, a write that fails with ENOSPC
// when the layer itself filled the disk (a RUN or an ADD that ran out of
// space); removing the layer's files first makes the room that write needs.
// Only a layer that storage would delete anyway (no children, no image)
// reaches the ENOSPC branch, since those checks come before the write.
func deleteLayer(st storage.Store, id string) error {
	err := st.DeleteLayer(id)
	if !errors.Is(err, unix.ENOSPC) {
		return err
	}
	driver, derr := st.GraphDriver()
	if derr != nil {
		return err
	}
	if rerr := driver.Remove(id); rerr != nil {
		return errors.Join(err, rerr)
	}
	return st.DeleteLayer(id)
}
