package unpack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/patternmatcher"
	"golang.org/x/sys/unix"
)

// match is one top-level source selected by an entry of CopySpec.Sources.
type match struct {
	written string      // the source as written, for error messages
	name    string      // base name as written: a followed symlink keeps its own name
	rel     string      // resolved path relative to the source root, "." for the root
	info    fs.FileInfo // of the resolved path (never a symlink)
	parents string      // --parents: the path to recreate under the destination, else ""
}

// sourceTree reads a build context or a --from rootfs. Top-level names are
// resolved with securejoin (symlinks followed as if the tree were chrooted).
// Every open after that uses openat2 with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS
// (or an os.Root), so a symlink swapped in after resolution makes the open
// fail instead of leading it out of the tree.
type sourceTree struct {
	dir         string
	root        *os.Root
	fd          *os.File // O_PATH handle on dir, for openat2
	fromContext bool
	pm          *patternmatcher.PatternMatcher // nil without excludes
	xpm         *patternmatcher.PatternMatcher // --exclude, relative to each source; nil without
	parents     bool                           // --parents
}

func openSources(spec CopySpec) (*sourceTree, error) {
	root, err := os.OpenRoot(spec.SrcRoot)
	if err != nil {
		return nil, fmt.Errorf("opening source %s: %w", spec.SrcRoot, err)
	}
	fd, err := os.OpenFile(spec.SrcRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("opening source %s: %w", spec.SrcRoot, err)
	}
	s := &sourceTree{dir: spec.SrcRoot, root: root, fd: fd, fromContext: spec.FromContext, parents: spec.Parents}
	if len(spec.Excludes) > 0 {
		if s.pm, err = patternmatcher.New(spec.Excludes); err != nil {
			s.Close()
			return nil, fmt.Errorf("invalid .dockerignore pattern: %w", err)
		}
	}
	if len(spec.SourceExcludes) > 0 {
		if s.xpm, err = patternmatcher.New(spec.SourceExcludes); err != nil {
			s.Close()
			return nil, fmt.Errorf("invalid --exclude pattern: %w", err)
		}
	}
	return s, nil
}

func (s *sourceTree) Close() error {
	s.fd.Close()
	return s.root.Close()
}

func (s *sourceTree) where() string {
	if s.fromContext {
		return "the build context"
	}
	return "stage rootfs"
}

func (s *sourceTree) notFound(written string) error {
	return fmt.Errorf("%q: no such file or directory in %s", written, s.where())
}

// excluded reports whether rel (relative to the source root) is ignored.
func (s *sourceTree) excluded(rel string) (bool, error) {
	if s.pm == nil || rel == "." {
		return false, nil
	}
	ex, err := s.pm.MatchesOrParentMatches(rel)
	if err != nil {
		return false, fmt.Errorf("matching %q against .dockerignore: %w", rel, err)
	}
	return ex, nil
}

// matches expands every source. A source without wildcards must exist; a
// wildcard that selects nothing is skipped, as docker does, unless no
// source selects anything at all.
func (s *sourceTree) matches(sources []string) ([]match, error) {
	if len(sources) == 0 {
		return nil, errors.New("no source files were specified")
	}
	var all []match
	for _, src := range sources {
		ms, err := s.expand(src)
		if err != nil {
			return nil, err
		}
		all = append(all, ms...)
	}
	if len(all) == 0 {
		return nil, s.notFound(sources[0])
	}
	return all, nil
}

// CleanSource makes a source relative to its root, as docker does: an
// absolute source is relative to the root too, and ".." never climbs above
// it ("../outside.txt" is the root's "outside.txt"). clamped reports that
// the source as written pointed above the root.
func CleanSource(written string) (rel string, clamped bool) {
	rel = strings.TrimPrefix(filepath.Clean("/"+written), "/")
	if rel == "" {
		rel = "."
	}
	p := filepath.Clean(written)
	return rel, p == ".." || strings.HasPrefix(p, "../")
}

// expand resolves one source, matching each path component with
// filepath.Match when it holds glob characters.
func (s *sourceTree) expand(written string) ([]match, error) {
	clean, _ := CleanSource(written)
	pivot := parentsPivot(written)
	cands := []string{"."}
	globbed := false
	var err error
	for _, comp := range strings.Split(clean, "/") {
		if comp == "**" {
			globbed = true
			if cands, err = s.descendants(cands); err != nil {
				return nil, fmt.Errorf("%q: %w", written, err)
			}
			continue
		}
		if !hasGlob(comp) {
			for i := range cands {
				cands[i] = filepath.Join(cands[i], comp)
			}
			continue
		}
		globbed = true
		if cands, err = s.globStep(cands, comp); err != nil {
			return nil, fmt.Errorf("%q: %w", written, err)
		}
	}
	var out []match
	for _, cand := range cands {
		m, ok, err := s.lookup(written, cand)
		if err != nil {
			return nil, err
		}
		if !ok {
			if globbed {
				continue
			}
			return nil, s.notFound(written)
		}
		if s.parents {
			m.parents = belowPivot(cand, pivot)
		}
		out = append(out, m)
	}
	return out, nil
}

func hasGlob(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// globStep extends each candidate directory with its entries matching pattern.
func (s *sourceTree) globStep(cands []string, pattern string) ([]string, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("invalid pattern %q: %w", pattern, err)
	}
	var next []string
	for _, cand := range cands {
		names, err := s.listDir(cand)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if ok, _ := filepath.Match(pattern, name); ok {
				next = append(next, filepath.Join(cand, name))
			}
		}
	}
	return next, nil
}

// listDir returns the sorted names in cand, or none if it is not a directory.
func (s *sourceTree) listDir(cand string) ([]string, error) {
	rel, err := s.resolve(cand)
	if err != nil {
		return nil, err
	}
	// O_DIRECTORY: a candidate that is a fifo must not block the open.
	f, err := s.root.OpenFile(rel, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", cand, err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", cand, err)
	}
	sort.Strings(names)
	return names, nil
}

// resolve follows symlinks in cand as if the source root were "/", and
// returns the resulting path relative to the root.
func (s *sourceTree) resolve(cand string) (string, error) {
	full, err := securejoin.SecureJoin(s.dir, cand)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", cand, err)
	}
	rel, err := filepath.Rel(s.dir, full)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("resolving %s: escapes the source root", cand)
	}
	return rel, nil
}

// lookup resolves cand; ok is false when it does not exist or is ignored.
func (s *sourceTree) lookup(written, cand string) (match, bool, error) {
	rel, err := s.resolve(cand)
	if err != nil {
		return match{}, false, err
	}
	info, err := s.root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		return match{}, false, nil
	}
	if err != nil {
		return match{}, false, fmt.Errorf("%q: %w", written, err)
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		// securejoin resolved every link; one here is a dangling or looping one.
		return match{}, false, nil
	}
	ex, err := s.excluded(rel)
	if err != nil {
		return match{}, false, err
	}
	// An ignored directory may still hold files re-included with "!".
	if ex && !(info.IsDir() && s.pm.Exclusions()) {
		return match{}, false, nil
	}
	// --exclude: a file source is matched by its name, a directory's
	// contents by their paths below it (in the walk).
	if !info.IsDir() {
		if xex, err := s.sourceExcluded(filepath.Base(cand)); xex || err != nil {
			return match{}, false, err
		}
	}
	return match{written: written, name: filepath.Base(cand), rel: rel, info: info}, true, nil
}

// openItem opens a planned file or directory and checks it is still the
// object that was planned.
func (s *sourceTree) openItem(it item) (*os.File, error) {
	flags := os.O_RDONLY | unix.O_NOFOLLOW
	if it.kind == kindDir {
		flags |= unix.O_DIRECTORY
	}
	f, err := s.openBeneath(it.src, flags)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", it.src, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Ino != it.st.Ino || st.Dev != it.st.Dev {
		f.Close()
		return nil, fmt.Errorf("%s changed while it was being copied; retry the build", it.src)
	}
	return f, nil
}

// openBeneath opens rel, a path with every symlink already resolved, in one
// openat2 call that refuses any symlink or escape on the way (os.Root would
// walk it one component at a time). Without openat2 it falls back to os.Root.
func (s *sourceTree) openBeneath(rel string, flags int) (*os.File, error) {
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	fd, err := unix.Openat2(int(s.fd.Fd()), rel, &how)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		return s.root.OpenFile(rel, flags, 0) // old kernel, or seccomp refusing openat2
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: rel, Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(s.dir, rel)), nil
}
