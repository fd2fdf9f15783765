package e2e

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// metadataDockerfile has every instruction that changes only the config,
// plus WORKDIR, which (as in BuildKit) also creates its directory as a layer.
const metadataDockerfile = `FROM busybox
ENV A=1 B="two words"
LABEL org.example.k=v "other label"="x y"
MAINTAINER someone@example.com
WORKDIR /srv
USER app:app
EXPOSE 80 53/udp 8080/tcp
VOLUME ["/data", "/cache"]
VOLUME /logs
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=4 CMD ["true"]
ONBUILD RUN echo triggered > /onbuild
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT ["/bin/echo", "ep"]
CMD ["arg1"]
`

// metadataInstructions are the keywords above, one history entry each;
// only WORKDIR's has a layer.
var metadataInstructions = []string{"ENV", "LABEL", "MAINTAINER", "WORKDIR", "USER", "EXPOSE", "VOLUME", "VOLUME",
	"STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "SHELL", "ENTRYPOINT", "CMD"}

func TestMetadataInstructions(t *testing.T) {
	runScenarios(t, []scenario{{
		name:       "every metadata instruction lands in the config",
		dockerfile: metadataDockerfile,
		args:       []string{"--label", "from.flag=yes", "--identity-label=false"},
		check: func(t *testing.T, b built) {
			c := b.img.Config.Config
			wantEnv(t, b, "A=1")
			wantEnv(t, b, "B=two words")
			if !slices.ContainsFunc(c.Env, func(e string) bool { return strings.HasPrefix(e, "PATH=") }) {
				t.Errorf("Env %q lost busybox's PATH", c.Env)
			}
			wantMap(t, "Labels", c.Labels, map[string]string{"org.example.k": "v", "other label": "x y", "from.flag": "yes"})
			if b.img.Config.Author != "someone@example.com" {
				t.Errorf("author = %q", b.img.Config.Author)
			}
			if c.WorkingDir != "/srv" || c.User != "app:app" || c.StopSignal != "SIGQUIT" {
				t.Errorf("WorkingDir %q User %q StopSignal %q", c.WorkingDir, c.User, c.StopSignal)
			}
			wantStrings(t, "ExposedPorts", slices.Sorted(maps.Keys(c.ExposedPorts)), []string{"53/udp", "80/tcp", "8080/tcp"})
			wantStrings(t, "Volumes", slices.Sorted(maps.Keys(c.Volumes)), []string{"/cache", "/data", "/logs"})
			want := ocidir.Healthcheck{Test: []string{"CMD", "true"}, Interval: 5 * time.Second,
				Timeout: 3 * time.Second, StartPeriod: time.Second, Retries: 4}
			if h := c.Healthcheck; h == nil || !slices.Equal(h.Test, want.Test) || h.Interval != want.Interval ||
				h.Timeout != want.Timeout || h.StartPeriod != want.StartPeriod || h.Retries != want.Retries {
				t.Errorf("Healthcheck = %+v, want %+v", h, want)
			}
			wantStrings(t, "OnBuild", c.OnBuild, []string{"RUN echo triggered > /onbuild"})
			wantStrings(t, "Shell", c.Shell, []string{"/bin/sh", "-ec"})
			wantStrings(t, "Entrypoint", c.Entrypoint, []string{"/bin/echo", "ep"})
			wantStrings(t, "Cmd", c.Cmd, []string{"arg1"})
			if n := len(b.img.Layers); n != 2 {
				t.Errorf("%d layers, want busybox's and WORKDIR's: metadata instructions add none", n)
			}
		},
	}, {
		name:       "each instruction has a history entry, empty_layer unless it made a layer",
		dockerfile: metadataDockerfile + "RUN true\n",
		check: func(t *testing.T, b built) {
			h := b.img.Config.History
			base := 1 // busybox's own entry
			if len(h) != base+len(metadataInstructions)+1 {
				t.Fatalf("%d history entries, want %d:\n%+v", len(h), base+len(metadataInstructions)+1, h)
			}
			for i, kw := range metadataInstructions {
				e := h[base+i]
				if e.EmptyLayer != (kw != "WORKDIR") || !strings.Contains(e.CreatedBy, kw) {
					t.Errorf("history[%d] = %+v, want an entry for %s, empty_layer unless WORKDIR", base+i, e, kw)
				}
			}
			if last := h[len(h)-1]; last.EmptyLayer || !strings.Contains(last.CreatedBy, "true") {
				t.Errorf("last history entry %+v, want the RUN's, with a layer", last)
			}
		},
	}, {
		name:       "HEALTHCHECK NONE and CMD shell form",
		dockerfile: "FROM busybox\nHEALTHCHECK NONE\nCMD echo hi\n",
		check: func(t *testing.T, b built) {
			if h := b.img.Config.Config.Healthcheck; h == nil || !slices.Equal(h.Test, []string{"NONE"}) {
				t.Errorf("Healthcheck = %+v, want Test [NONE]", h)
			}
			wantStrings(t, "Cmd", b.img.Config.Config.Cmd, []string{"/bin/sh", "-c", "echo hi"})
		},
	}}, nil)
}

func wantMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestDockerFieldsSurviveARoundTrip: HEALTHCHECK, ONBUILD and SHELL live in
// the config even in OCI format, so pushing an image out and pulling it into
// another store keeps them, as it does with BuildKit.
func TestDockerFieldsSurviveARoundTrip(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.build(t, metadataDockerfile, nil, "-t", "meta")
		layout := filepath.Join(s.scratch(t, "out"), "layout")
		s.must(t, "push", "meta", "oci:"+layout+":meta")

		other := newStore(t, a)
		id := other.must(t, "pull", "oci:"+layout+":meta").id(t)
		c := other.image(t, id).Config.Config
		if c.Healthcheck == nil || !slices.Equal(c.Healthcheck.Test, []string{"CMD", "true"}) {
			t.Errorf("Healthcheck after the round trip: %+v", c.Healthcheck)
		}
		wantStrings(t, "OnBuild after the round trip", c.OnBuild, []string{"RUN echo triggered > /onbuild"})
		wantStrings(t, "Shell after the round trip", c.Shell, []string{"/bin/sh", "-ec"})
	})
}
