package unpack

import (
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"
)

// isShortName reports whether name has no registry part, by Docker's rule:
// the first path component names a registry only when it contains '.' or
// ':' or is "localhost".
func isShortName(name string) bool {
	first, _, hasSlash := strings.Cut(name, "/")
	if !hasSlash {
		return true
	}
	return !strings.ContainsAny(first, ".:") && first != "localhost"
}

// shortNameCandidates resolves a short name to the registry names it may
// be pulled from, in order: its registries.conf alias, then each
// unqualified-search registry, else Docker Hub. Builds are
// non-interactive, so an ambiguous name is tried registry by registry
// (short-name-mode "permissive") rather than prompted for.
func shortNameCandidates(sys *types.SystemContext, name string) ([]reference.Named, error) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, fmt.Errorf("parsing image name %q: %w", name, err)
	}
	repo := reference.FamiliarName(reference.TrimNamed(named))
	suffix := strings.TrimPrefix(reference.FamiliarString(named), repo)

	var out []reference.Named
	add := func(s string) error {
		n, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			return fmt.Errorf("resolving image name %q: %w", name, err)
		}
		out = append(out, reference.TagNameOnly(n))
		return nil
	}
	alias, _, err := sysregistriesv2.ResolveShortNameAlias(sys, repo)
	if err != nil {
		return nil, fmt.Errorf("reading short-name aliases in registries.conf: %w", err)
	}
	if alias != nil {
		if err := add(alias.String() + suffix); err != nil {
			return nil, err
		}
	}
	search, err := sysregistriesv2.UnqualifiedSearchRegistries(sys)
	if err != nil {
		return nil, fmt.Errorf("reading unqualified-search-registries in registries.conf: %w", err)
	}
	if len(search) == 0 && alias == nil {
		search = []string{"docker.io"}
	}
	for _, reg := range search {
		if err := add(reg + "/" + name); err != nil {
			return nil, err
		}
	}
	return out, nil
}
