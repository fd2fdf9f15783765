package stages

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
)

var arm64 = ocispec.Platform{OS: "linux", Architecture: "arm64"}

// platformsOf gives every stage of src its platform for a build for target.
func platformsOf(t *testing.T, src string, target ocispec.Platform) (*builder, error) {
	t.Helper()
	p, err := ParseDockerfile("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	lex := shell.NewLex(p.Escape)
	args := newBuildArgs(nil)
	args.target = target
	g, err := globalArgs(p.MetaArgs, args, lex)
	if err != nil {
		t.Fatal(err)
	}
	b := &builder{plan: p, opts: Options{Platform: &target}, args: args, global: g}
	if b.nodes, err = p.graph(g, lex); err != nil {
		t.Fatal(err)
	}
	b.assignPlatforms()
	tgt, _ := p.target("")
	b.order = needed(b.nodes, tgt)
	return b, b.validate()
}

func TestPlatformArgsNameTargetAndBuild(t *testing.T) {
	a := newBuildArgs(nil)
	a.target = ocispec.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	got := a.platformArgs()
	host := unpack.HostPlatform()
	want := map[string]string{"TARGETPLATFORM": "linux/arm/v7", "TARGETARCH": "arm", "TARGETVARIANT": "v7",
		"BUILDPLATFORM": unpack.PlatformString(host), "BUILDARCH": host.Architecture}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestBuildPlatformStageRunsNativelyAndOthersForTheTarget(t *testing.T) {
	src := "FROM --platform=$BUILDPLATFORM a AS build\nRUN true\nFROM --platform=$TARGETPLATFORM a AS mid\nFROM a\nCOPY --from=build /x /x\nCOPY --from=mid /y /y\n"
	b, err := platformsOf(t, src, arm64)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{unpack.PlatformString(unpack.HostPlatform()), "linux/arm64", "linux/arm64"}
	for i, s := range b.plan.Stages {
		if got := unpack.PlatformString(b.nodes[s].platform); got != want[i] {
			t.Errorf("stage %d platform = %s, want %s", i, got, want[i])
		}
	}
}

func TestFromPlatformOtherThanBuildOrTargetIsRefused(t *testing.T) {
	_, err := platformsOf(t, "FROM --platform=linux/s390x a\n", arm64)
	if err == nil || !strings.Contains(err.Error(), "Dockerfile:1: FROM: --platform=linux/s390x") || !strings.Contains(err.Error(), "linux/arm64") {
		t.Fatalf("err = %v", err)
	}
}

// TestStepKeysHoldThePlatform: every filesystem step's key holds the
// stage's platform, a COPY's as a RUN's, so a step for arm64 never hits
// the host's entry (even on scratch, where the parents are the same).
func TestStepKeysHoldThePlatform(t *testing.T) {
	key := func(p ocispec.Platform, parts func(st *stageState) []string) string {
		st := &stageState{b: &builder{}, platform: p, key: "scratch"}
		st.b.args = newBuildArgs(nil)
		st.args = newArgScope(st.b.args, nil)
		return chainKey(st.key, st.stepParts(parts(st))...)
	}
	run := func(st *stageState) []string { return st.runKey("RUN make", nil, "host") }
	cp := func(*stageState) []string { return []string{"COPY a /a", "dest=/a", "content=abc"} }
	for name, parts := range map[string]func(*stageState) []string{"RUN": run, "COPY": cp} {
		if key(arm64, parts) == key(unpack.HostPlatform(), parts) {
			t.Errorf("a %s for arm64 and for the host have the same cache key", name)
		}
		if key(arm64, parts) != key(arm64, parts) {
			t.Errorf("a %s's key is not stable", name)
		}
	}
}
