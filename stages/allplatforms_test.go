package stages

import (
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
)

func platforms(t *testing.T, list string) []ocispec.Platform {
	t.Helper()
	var out []ocispec.Platform
	for _, s := range strings.Fields(list) {
		p := ocispec.Platform{}
		parts := strings.Split(s, "/")
		p.OS, p.Architecture = parts[0], parts[1]
		if len(parts) > 2 {
			p.Variant = parts[2]
		}
		out = append(out, p)
	}
	return out
}

func names(ps []ocispec.Platform) string {
	var out []string
	for _, p := range ps {
		out = append(out, unpack.PlatformString(p))
	}
	return strings.Join(out, " ")
}

func TestIntersectPlatformsKeepsCommonLinuxOnes(t *testing.T) {
	first := intersectPlatforms(nil, platforms(t, "linux/amd64 windows/amd64 linux/arm64 linux/arm/v7 linux/amd64"), true)
	if got := names(first); got != "linux/amd64 linux/arm64 linux/arm/v7" {
		t.Fatalf("first base: %q", got)
	}
	second := intersectPlatforms(first, platforms(t, "linux/arm64 linux/arm/v6 linux/amd64"), false)
	if got := names(second); got != "linux/amd64 linux/arm64" {
		t.Fatalf("intersection: %q, want linux/amd64 linux/arm64 (first base's order, arm/v7 is not arm/v6)", got)
	}
	if got := intersectPlatforms(second, platforms(t, "linux/s390x"), false); len(got) != 0 {
		t.Fatalf("disjoint: %q", names(got))
	}
}
