package unpack

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
)

// ParseReference turns what a user typed into an image reference:
// "oci:DIR[:TAG]", "oci-archive:FILE", "docker-archive:FILE[:REF]",
// "containers-storage:NAME", "dir:DIR" and "docker://REF" go through
// containers/image's transports; a plain name ("busybox",
// "localhost/x:1") means a registry image, normalized as Docker does.
func ParseReference(s string) (types.ImageReference, error) {
	if s == "" {
		return nil, errors.New("empty image reference: give a name like busybox or a transport:path like oci:./dir:tag")
	}
	if hasTransport(s) {
		ref, err := alltransports.ParseImageName(s)
		if err != nil {
			return nil, fmt.Errorf("parsing image reference %q: %w", s, err)
		}
		return ref, nil
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return nil, fmt.Errorf("parsing image name %q: %w", s, err)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return nil, fmt.Errorf("parsing image name %q: %w", s, err)
	}
	return ref, nil
}

// hasTransport reports whether s starts with a registered transport name,
// so "oci:dir" is a path but "localhost:5000/x" and "busybox:1" are names.
func hasTransport(s string) bool {
	name, rest, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	if name == "docker" {
		return strings.HasPrefix(rest, "//")
	}
	return transports.Get(name) != nil
}

// NormalizeName turns a name given to -t or tag into the form stored in
// containers-storage, the way buildah does: a name without a registry
// gets "localhost/", a name without a tag gets ":latest"
// ("myimg" → "localhost/myimg:latest").
func NormalizeName(name string) (string, error) {
	candidate := name
	if isShortName(name) {
		candidate = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(candidate)
	if err != nil {
		return "", fmt.Errorf("invalid image name %q: %w", name, err)
	}
	if _, ok := named.(reference.Digested); ok {
		return "", fmt.Errorf("invalid image name %q: a name to tag with cannot contain a digest", name)
	}
	return reference.TagNameOnly(named).String(), nil
}

// LocalNames lists the names under which name may already be in local
// storage, most specific first: the name as given, "localhost/NAME:latest"
// (how buildah and stagebox name local builds), then the registry names a
// pull would use (registries.conf alias, search registries, Docker Hub).
func LocalNames(sys *types.SystemContext, name string) []string {
	return slices.Collect(LocalNameSeq(sys, name))
}

// LocalNameSeq yields LocalNames in order, reading registries.conf only
// when the caller goes on past the first two: parsing it (and its
// short-name aliases) is about 2 ms, most of what finding a base image
// that is tagged locally would otherwise cost a cached build.
func LocalNameSeq(sys *types.SystemContext, name string) iter.Seq[string] {
	return func(yield func(string) bool) {
		var seen []string
		add := func(n string) bool {
			if slices.Contains(seen, n) {
				return true
			}
			seen = append(seen, n)
			return yield(n)
		}
		if !add(name) {
			return
		}
		if !isShortName(name) {
			if named, err := reference.ParseNormalizedNamed(name); err == nil {
				add(reference.TagNameOnly(named).String())
			}
			return
		}
		if n, err := NormalizeName(name); err == nil && !add(n) {
			return
		}
		if candidates, err := shortNameCandidates(sys, name); err == nil {
			for _, c := range candidates {
				if !add(c.String()) {
					return
				}
			}
		}
		if named, err := reference.ParseNormalizedNamed(name); err == nil {
			add(reference.TagNameOnly(named).String())
		}
	}
}
