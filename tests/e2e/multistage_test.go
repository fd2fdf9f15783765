package e2e

import (
	"runtime"
	"strings"
	"testing"
)

func TestMultiStage(t *testing.T) {
	runScenarios(t, []scenario{{
		name: "COPY --from a stage by name, case-insensitively, keeping owners",
		dockerfile: `FROM busybox AS Builder
RUN mkdir /out && echo built > /out/file && touch /out/owned && chown 1000:1000 /out/owned
FROM busybox
COPY --from=builder /out/file /got
COPY --from=BUILDER /out/owned /owned
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/got", "built\n")
			wantOwner(t, b.files, "/owned", 1000, 1000)
			wantAbsent(t, b.files, "/out") // the builder stage is not committed
			if n := len(b.img.Layers); n != 3 {
				t.Errorf("%d layers, want busybox + 2 COPY layers", n)
			}
		},
	}, {
		name: "COPY --from a stage by index",
		dockerfile: `FROM busybox
RUN mkdir /out && echo zero > /out/file
FROM busybox
RUN mkdir /out && echo one > /out/file
FROM busybox
COPY --from=0 /out/file /from0
COPY --from=1 /out/file /from1
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/from0", "zero\n")
			wantFile(t, b.files, "/from1", "one\n")
		},
	}, {
		name: "COPY --from an image into a FROM scratch final stage",
		dockerfile: `FROM scratch
COPY --from=busybox /etc/passwd /passwd
`,
		check: func(t *testing.T, b built) {
			e := wantPresent(t, b.files, "/passwd")
			if !strings.Contains(string(e.Data), "app:x:1000:1000") {
				t.Errorf("/passwd is not busybox's: %q", e.Data)
			}
			wantAbsent(t, b.files, "/bin")
			if n := len(b.img.Layers); n != 1 {
				t.Errorf("%d layers, want just the COPY's", n)
			}
		},
	}, {
		name: "a stage FROM an earlier stage inherits its files and config",
		dockerfile: `FROM busybox AS Base
RUN echo base > /base
ENV FROM_BASE=yes
FROM base AS child
RUN cat /base > /child
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/child", "base\n")
			wantEnv(t, b, "FROM_BASE=yes")
			if n := len(b.img.Layers); n != 3 {
				t.Errorf("%d layers, want busybox + 2 RUN layers", n)
			}
		},
	}, {
		name: "a stage the last one does not need is not run",
		dockerfile: `FROM busybox AS unused
RUN echo the unused stage ran && exit 5
FROM busybox
RUN echo ok > /ok
`,
		check: func(t *testing.T, b built) { wantFile(t, b.files, "/ok", "ok\n") },
	}, {
		name: "--target commits that stage and runs neither later nor unneeded ones",
		dockerfile: `FROM busybox AS broken
RUN exit 7
FROM busybox AS good
RUN echo good > /good
FROM good AS final
RUN exit 9
`,
		args:  []string{"--target", "good"},
		check: func(t *testing.T, b built) { wantFile(t, b.files, "/good", "good\n") },
	}, {
		name:       "FROM --platform equal to the host's",
		dockerfile: "FROM --platform=linux/" + runtime.GOARCH + " busybox\nRUN echo ok > /ok\n",
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/ok", "ok\n")
			if b.img.Config.Architecture != runtime.GOARCH || b.img.Config.OS != "linux" {
				t.Errorf("platform %s/%s", b.img.Config.OS, b.img.Config.Architecture)
			}
		},
	}}, nil)
}

func wantEnv(t *testing.T, b built, kv string) {
	t.Helper()
	for _, e := range b.img.Config.Config.Env {
		if e == kv {
			return
		}
	}
	t.Errorf("Env %q lacks %s", b.img.Config.Config.Env, kv)
}
