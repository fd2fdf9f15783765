package unpack

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// layoutNames names an image pulled from oci:DIR:REF or oci-archive:FILE:REF
// after the layout: a REF that is a name ("base", "quay.io/x/y:1") is
// normalized like a local build's ("localhost/base:latest"); a REF that is
// a tag alone ("latest", "1.2") tags the layout's own name
// ("oci:/tmp/busybox:latest" → "localhost/busybox:latest"), never
// "localhost/latest". No REF, or a layout name that cannot be an image
// name: no name, the image is known by its ID.
func layoutNames(ref types.ImageReference) ([]string, error) {
	within := ref.StringWithinTransport()
	path, tag, ok := strings.Cut(within, ":")
	if !ok || tag == "" || strings.HasPrefix(tag, "@") {
		return nil, nil
	}
	if !strings.ContainsAny(tag, "/:") {
		repo := layoutRepo(path)
		if repo == nil {
			return nil, nil
		}
		tagged, err := reference.WithTag(repo, tag)
		if err != nil {
			return nil, fmt.Errorf("naming the image from %s: %w", describe(ref), err)
		}
		return []string{tagged.String()}, nil
	}
	n, err := NormalizeName(tag)
	if err != nil {
		return nil, fmt.Errorf("naming the image from %s: %w", describe(ref), err)
	}
	return []string{n}, nil
}

// notRepoChars are what a repository path component cannot hold.
var notRepoChars = regexp.MustCompile(`[^a-z0-9._-]+`)

// layoutRepo is "localhost/NAME" for the layout's directory or archive file
// (lower-cased, extension of an archive dropped, other characters made
// dashes), or nil when nothing usable is left.
func layoutRepo(path string) reference.Named {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	base := strings.ToLower(filepath.Base(path))
	for _, ext := range []string{".tar.gz", ".tgz", ".tar", ".oci"} {
		base = strings.TrimSuffix(base, ext)
	}
	base = strings.Trim(notRepoChars.ReplaceAllString(base, "-"), "._-")
	named, err := reference.ParseNormalizedNamed("localhost/" + base)
	if base == "" || err != nil {
		return nil
	}
	return named
}
