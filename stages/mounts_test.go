package stages

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// expandedMounts parses one RUN and expands its --mount flags as dispatch
// does (BuildKit's parser reads most mount options only then).
func expandedMounts(t *testing.T, src string) []*instructions.Mount {
	t.Helper()
	c := firstRun(t, src)
	if err := c.Expand(func(w string) (string, error) { return w, nil }); err != nil {
		t.Fatal(err)
	}
	return instructions.GetMounts(c)
}

func TestCheckMountsFillsBuildKitDefaults(t *testing.T) {
	st := &stageState{}
	st.cfg.Config.WorkingDir = "/src"
	ms := expandedMounts(t, "FROM a\nRUN --mount=type=cache,target=.cache --mount=type=secret,id=tok --mount=type=secret,id=k,env=K "+
		"--mount=type=ssh --mount=type=ssh,id=gh --mount=type=secret,target=/etc/npmrc true\n")
	if err := st.checkMounts(ms); err != nil {
		t.Fatal(err)
	}
	want := []struct{ target, id string }{
		{"/src/.cache", "/src/.cache"}, {"/run/secrets/tok", "tok"}, {"", "k"},
		{"/run/buildkit/ssh_agent.0", "default"}, {"/run/buildkit/ssh_agent.1", "gh"}, {"/etc/npmrc", "npmrc"},
	}
	for i, w := range want {
		if ms[i].Target != w.target || ms[i].CacheID != w.id {
			t.Errorf("mount %d: target %q id %q, want %q %q", i, ms[i].Target, ms[i].CacheID, w.target, w.id)
		}
	}
}

func TestCheckMountsRefusesMeaninglessOptions(t *testing.T) {
	for run, want := range map[string]string{
		"--mount=type=tmpfs,target=/t,from=x":                        "option from",
		"--mount=type=bind,target=/t,id=x":                           "option id",
		"--mount=type=secret,id=x,rw":                                "option rw",
		"--mount=type=ssh,env=X":                                     "option env",
		"--mount=type=cache":                                         "target= is required",
		"--mount=type=bind,target=/":                                 "hide the whole root",
		"--mount=type=cache,target=/a --mount=type=cache,target=/a/": "mounted twice",
	} {
		err := (&stageState{}).checkMounts(expandedMounts(t, "FROM a\nRUN "+run+" true\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", run, err, want)
		}
	}
}

func TestBindSourceStaysRelativeAndRefusesWildcards(t *testing.T) {
	for src, want := range map[string]string{"": ".", "/": ".", "../../etc": "etc", "a/./b/": "a/b"} {
		if got, err := bindSource(&instructions.Mount{Source: src}); err != nil || got != want {
			t.Errorf("bindSource(%q) = %q, %v; want %q", src, got, err, want)
		}
	}
	if _, err := bindSource(&instructions.Mount{Source: "*.go"}); err == nil {
		t.Error("a wildcard source was accepted")
	}
}
