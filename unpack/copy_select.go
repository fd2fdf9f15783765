package unpack

import (
	"fmt"
	"path/filepath"
	"strings"
)

// This file holds what COPY's newer flags add to source selection: `**`
// in globs, --parents with its "/./" pivot, and --exclude.

// parentsPivot is the part of a --parents source that is not recreated
// under the destination: what comes before a "/./" (the Dockerfile
// reference's pivot), or "." when there is none.
func parentsPivot(written string) string {
	p := written
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	i := strings.Index(p, "/./")
	if i < 0 {
		return "."
	}
	pivot, _ := CleanSource(p[:i])
	return pivot
}

// belowPivot is the path of the selected candidate cand relative to pivot.
func belowPivot(cand, pivot string) string {
	if pivot == "." {
		return cand
	}
	rel, err := filepath.Rel(pivot, cand)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return cand
	}
	return rel
}

// descendants expands a `**` component: every candidate directory and every
// directory below it. Symlinks are not descended, so a link loop ends.
func (s *sourceTree) descendants(cands []string) ([]string, error) {
	var out []string
	var visit func(dir string) error
	visit = func(dir string) error {
		out = append(out, dir)
		names, err := s.listDir(dir)
		if err != nil || len(names) == 0 {
			return err
		}
		resolved, err := s.resolve(dir)
		if err != nil {
			return err
		}
		for _, name := range names {
			fi, err := s.root.Lstat(filepath.Join(resolved, name))
			if err == nil && fi.IsDir() {
				if err := visit(filepath.Join(dir, name)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, c := range cands {
		if err := visit(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sourceExcluded reports whether rel, a path relative to the source that
// selected it, matches a --exclude pattern (or lies in a directory that does).
func (s *sourceTree) sourceExcluded(rel string) (bool, error) {
	if s.xpm == nil || rel == "." {
		return false, nil
	}
	ex, err := s.xpm.MatchesOrParentMatches(rel)
	if err != nil {
		return false, fmt.Errorf("matching %q against --exclude: %w", rel, err)
	}
	return ex, nil
}

// skip reports whether a walked entry is left out, by .dockerignore (src,
// its path in the root) or by --exclude (rel, its path below the source),
// and for a directory left out whether a "!" pattern may still re-include
// something inside it.
func (s *sourceTree) skip(src, rel string) (skip, mayReinclude bool, err error) {
	ex, err := s.excluded(src)
	if err != nil {
		return false, false, err
	}
	xex, err := s.sourceExcluded(rel)
	if err != nil {
		return false, false, err
	}
	mayReinclude = (!ex || s.pm.Exclusions()) && (!xex || s.xpm.Exclusions())
	return ex || xex, mayReinclude, nil
}
