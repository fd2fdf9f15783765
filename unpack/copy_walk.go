package unpack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// item is one source object Copy will write, in the order it writes them
// (parents before children). Digest hashes the same sequence, so the cache
// key covers exactly what Copy copies.
type item struct {
	kind    nodeKind
	match   int    // index of the match that selected it
	src     string // relative to the source root
	dst     string // inside the destination root
	rel     string // relative to the match (a file match: its name)
	st      *unix.Stat_t
	link    string // kindHardlink: dst of the first copy
	linkRel string // kindHardlink: rel of the first copy
	linkAt  int    // kindHardlink: match of the first copy
}

type inode struct{ dev, ino uint64 }

// planner hands the items of every match to sink as it walks, one
// directory at a time: a source of any size costs the memory of one
// directory's names per level, never a list of the whole tree. Hard links
// are tracked across all matches of one Copy, as BuildKit does.
type planner struct {
	src  *sourceTree
	sink func(item) error
	seen map[inode]item
}

func newPlanner(src *sourceTree, sink func(item) error) *planner {
	return &planner{src: src, sink: sink, seen: map[inode]item{}}
}

// addFile plans a single non-directory match written to dst.
func (p *planner) addFile(idx int, m match, dst string) error {
	return p.emit(item{match: idx, src: m.rel, dst: dst, rel: m.name, st: statOf(m.info)})
}

// addTree plans the contents of directory match m written into dstDir.
func (p *planner) addTree(idx int, m match, dstDir string) error {
	return p.walk(idx, m.rel, dstDir, ".", nil)
}

// lazyDir is an ignored directory that is written only if something inside
// it is re-included by a "!" pattern.
type lazyDir struct {
	it      item
	written bool
}

func (p *planner) walk(idx int, srcDir, dstDir, relDir string, pending []*lazyDir) error {
	dir, names, err := p.readDir(srcDir)
	if err != nil {
		return err
	}
	defer dir.Close()
	for _, name := range names {
		src := filepath.Join(srcDir, name)
		// One name relative to an open directory, never followed: cannot leave the tree.
		st := new(unix.Stat_t)
		err := unix.Fstatat(int(dir.Fd()), name, st, unix.AT_SYMLINK_NOFOLLOW)
		if errors.Is(err, unix.ENOENT) {
			continue // removed while we walked
		}
		if err != nil {
			return fmt.Errorf("inspecting %s: %w", src, err)
		}
		it := item{match: idx, src: src, dst: filepath.Join(dstDir, name), rel: filepath.Join(relDir, name), st: st}
		ex, mayReinclude, err := p.src.skip(src, it.rel)
		if err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			if !ex {
				if err := p.flushEmit(pending, it); err != nil {
					return err
				}
			}
			continue
		}
		sub := pending
		switch {
		case !ex:
			if err := p.flushEmit(pending, it); err != nil {
				return err
			}
			sub = nil
		case mayReinclude:
			sub = append(pending[:len(pending):len(pending)], &lazyDir{it: it})
		default:
			continue
		}
		if err := p.walk(idx, src, it.dst, it.rel, sub); err != nil {
			return err
		}
	}
	return nil
}

// flushEmit emits the pending ignored directories it lies in, then it.
func (p *planner) flushEmit(pending []*lazyDir, it item) error {
	for _, d := range pending {
		if !d.written {
			if err := p.emit(d.it); err != nil {
				return err
			}
			d.written = true
		}
	}
	return p.emit(it)
}

// emit classifies it and hands it to the sink, turning repeated inodes into
// hard links.
func (p *planner) emit(it item) error {
	switch it.st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		it.kind = kindDir
	case unix.S_IFLNK:
		it.kind = kindSymlink
	case unix.S_IFIFO:
		it.kind = kindFifo
	case unix.S_IFREG:
		it.kind = kindFile
		if it.st.Nlink > 1 {
			key := inode{uint64(it.st.Dev), it.st.Ino}
			if first, ok := p.seen[key]; ok {
				it.kind, it.link, it.linkRel, it.linkAt = kindHardlink, first.dst, first.rel, first.match
			} else {
				p.seen[key] = it
			}
		}
	default:
		logrus.Debugf("skipping %s: device nodes and sockets are not copied", it.src)
		return nil
	}
	return p.sink(it)
}

// readDir opens dir and returns it with its sorted entry names.
func (p *planner) readDir(dir string) (*os.File, []string, error) {
	f, err := p.src.openBeneath(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW)
	if err != nil {
		return nil, nil, fmt.Errorf("reading directory %s: %w", dir, err)
	}
	names, err := f.Readdirnames(-1)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("reading directory %s: %w", dir, err)
	}
	sort.Strings(names)
	return f, names, nil
}

// statOf converts the stat of a top-level match to the form the walk uses.
func statOf(info fs.FileInfo) *unix.Stat_t {
	s := info.Sys().(*syscall.Stat_t)
	return &unix.Stat_t{
		Dev: s.Dev, Ino: s.Ino, Nlink: s.Nlink, Mode: s.Mode, Uid: s.Uid, Gid: s.Gid, Size: s.Size,
		Atim: unix.Timespec{Sec: s.Atim.Sec, Nsec: s.Atim.Nsec},
		Mtim: unix.Timespec{Sec: s.Mtim.Sec, Nsec: s.Mtim.Nsec},
		Ctim: unix.Timespec{Sec: s.Ctim.Sec, Nsec: s.Ctim.Nsec}, // the stat index keys on it
	}
}
