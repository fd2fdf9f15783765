package unpack

import (
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/types"
)

func TestParsePlatformNormalizes(t *testing.T) {
	for in, want := range map[string]string{
		"linux/arm64": "linux/arm64", "linux/aarch64": "linux/arm64", "linux/arm64/v8": "linux/arm64",
		"linux/arm/v7": "linux/arm/v7", "Linux/x86_64": "linux/amd64",
	} {
		p, err := ParsePlatform(in)
		if err != nil || PlatformString(p) != want {
			t.Errorf("ParsePlatform(%q) = %s, %v; want %s", in, PlatformString(p), err, want)
		}
	}
	for _, bad := range []string{"", "arm64", "linux/", "a/b/c/d"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", bad)
		}
	}
}

func TestPlatformChoiceAndMatch(t *testing.T) {
	p := &ocispec.Platform{OS: "linux", Architecture: "arm64"}
	sys := &types.SystemContext{}
	choosePlatform(sys, p)
	if sys.ArchitectureChoice != "arm64" || sys.OSChoice != "linux" {
		t.Errorf("SystemContext choices = %q/%q", sys.OSChoice, sys.ArchitectureChoice)
	}
	if platformMatches(p, "linux", "amd64", "") {
		t.Error("an amd64 image matched linux/arm64")
	}
	if !platformMatches(p, "linux", "aarch64", "") || !platformMatches(nil, "linux", "amd64", "") {
		t.Error("matching images were refused")
	}
}
