package unpack

import (
	"encoding/json"
	"fmt"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/storage"
	"runtime"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/types"
)

// HostPlatform is the platform stagebox itself runs on: what RUN executes
// natively and what $BUILDPLATFORM means.
func HostPlatform() ocispec.Platform {
	return ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
}

// archAliases are the spellings of architectures that uname, Debian and
// the kernel use, mapped to the OCI (GOARCH) names images carry.
var archAliases = map[string]string{
	"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm",
	"armel": "arm", "i386": "386", "i686": "386", "ppc64el": "ppc64le",
}

// ParsePlatform reads OS/ARCH[/VARIANT] as docker and buildah spell it
// (linux/arm64, linux/arm/v7, aarch64 is arm64). arm64's v8 variant is the
// only one there is and is dropped, as containerd normalizes it.
func ParsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(strings.ToLower(strings.TrimSpace(s)), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("platform %q: want OS/ARCH[/VARIANT], e.g. linux/arm64", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: NormalizeArch(parts[1])}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	if p.Architecture == "arm64" && p.Variant == "v8" {
		p.Variant = ""
	}
	return p, nil
}

// NormalizeArch maps an architecture's other spellings to its OCI name.
func NormalizeArch(arch string) string {
	if a, ok := archAliases[arch]; ok {
		return a
	}
	return arch
}

// PlatformString formats p as OS/ARCH[/VARIANT].
func PlatformString(p ocispec.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// IsHost reports whether p runs natively here (no emulation needed).
func IsHost(p ocispec.Platform) bool {
	h := HostPlatform()
	return p.OS == h.OS && p.Architecture == h.Architecture
}

// choosePlatform makes containers/image pick p's entry from a manifest list
// or OCI index; the zero platform keeps its host default.
func choosePlatform(sys *types.SystemContext, p *ocispec.Platform) {
	if p == nil || p.Architecture == "" {
		return
	}
	sys.OSChoice, sys.ArchitectureChoice, sys.VariantChoice = p.OS, p.Architecture, p.Variant
}

// platformMatches reports whether an image's config platform is want; a
// nil want matches every image (no --platform given).
func platformMatches(want *ocispec.Platform, os, arch, variant string) bool {
	if want == nil || want.Architecture == "" {
		return true
	}
	if os == "" && arch == "" { // configs that say nothing are taken as they are
		return true
	}
	return os == want.OS && NormalizeArch(arch) == want.Architecture && (want.Variant == "" || variant == want.Variant)
}

// localPlatform reports whether the stored image id is of p.Platform, read
// from its config the way containers/image stored it (the manifest under
// storage.ImageDigestBigDataKey, the config under its digest). An image
// whose config cannot be read is taken as it is.
func (p *Puller) localPlatform(id string) bool {
	if p.Platform == nil {
		return true
	}
	raw, err := p.Store.ImageBigData(id, storage.ImageDigestBigDataKey)
	if err != nil {
		return true
	}
	m, err := manifest.FromBlob(raw, manifest.GuessMIMEType(raw))
	if err != nil {
		return true
	}
	blob, err := p.Store.ImageBigData(id, m.ConfigInfo().Digest.String())
	if err != nil {
		return true
	}
	var cfg ocispec.Image
	if json.Unmarshal(blob, &cfg) != nil {
		return true
	}
	return platformMatches(p.Platform, cfg.OS, cfg.Architecture, cfg.Variant)
}

// listEntry resolves a stored image index (a multi-platform build's) to
// the stored image of p's platform (the host's when p.Platform is nil);
// an ordinary image is itself. It reports false for a list with no
// entry for the platform in storage.
func (p *Puller) listEntry(id string) (string, bool) {
	raw, err := p.Store.ImageBigData(id, storage.ImageDigestBigDataKey)
	if err != nil {
		return id, true
	}
	mt := manifest.GuessMIMEType(raw)
	if !manifest.MIMETypeIsMultiImage(mt) {
		return id, true
	}
	list, err := manifest.ListFromBlob(raw, mt)
	if err != nil {
		return "", false
	}
	sys := &types.SystemContext{}
	if p.sys != nil {
		sys = p.sys
	}
	d, err := list.ChooseInstance(sys)
	if err != nil {
		return "", false
	}
	imgs, err := p.Store.ImagesByDigest(d)
	if err != nil || len(imgs) == 0 {
		return "", false
	}
	return imgs[0].ID, true
}
