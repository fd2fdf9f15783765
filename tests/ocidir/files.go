package ocidir

import (
	"archive/tar"
	"path"
	"strings"
)

// OCI whiteout markers: ".wh.NAME" deletes NAME from the layers below;
// ".wh..wh..opq" in a directory hides everything the layers below put there.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// Files is the merged filesystem an image's layers add up to, keyed by
// clean relative path ("bin/sh").
type Files map[string]Entry

// Clean turns a tar or absolute path into a Files key.
func Clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// Files applies the layers in order, with OCI whiteout semantics: a layer's
// markers remove only what lower layers hold, never the layer's own entries.
// A hard link gets its target's content.
func (img *Image) Files() Files {
	fs := Files{}
	for _, l := range img.Layers {
		for _, e := range l.Entries {
			dir, base := path.Split(Clean(e.Name))
			dir = strings.TrimSuffix(dir, "/")
			switch {
			case base == opaqueMarker:
				fs.removeUnder(dir)
			case strings.HasPrefix(base, whiteoutPrefix):
				fs.remove(path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)))
			}
		}
		for _, e := range l.Entries {
			name := Clean(e.Name)
			if strings.HasPrefix(path.Base(name), whiteoutPrefix) {
				continue
			}
			if e.Typeflag == tar.TypeLink {
				if target, ok := fs[Clean(e.Linkname)]; ok {
					e.Data = target.Data
				}
			}
			fs[name] = e
		}
	}
	delete(fs, "")
	return fs
}

// Get returns the entry at p ("/etc/passwd" or "etc/passwd").
func (fs Files) Get(p string) (Entry, bool) {
	e, ok := fs[Clean(p)]
	return e, ok
}

func (fs Files) remove(p string) {
	delete(fs, p)
	fs.removeUnder(p)
}

func (fs Files) removeUnder(dir string) {
	prefix := dir + "/"
	if dir == "" {
		prefix = ""
	}
	for k := range fs {
		if strings.HasPrefix(k, prefix) && k != dir {
			delete(fs, k)
		}
	}
}

// Find returns the entry a single layer has at p, whiteouts included.
func (l Layer) Find(p string) (Entry, bool) {
	want := Clean(p)
	for _, e := range l.Entries {
		if Clean(e.Name) == want {
			return e, true
		}
	}
	return Entry{}, false
}
