package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestRunInstruction(t *testing.T) {
	runScenarios(t, []scenario{{
		name: "shell form, exec form with and without a shell, ENV in the environment",
		dockerfile: `FROM busybox
RUN echo shell-form > /shell
RUN ["/bin/sh", "-c", "echo exec-form > /exec"]
RUN ["touch", "/exec-path-lookup"]
ENV GREETING="hello there"
RUN echo "$GREETING" > /env
RUN ["sh", "-c", "echo \"$GREETING\" > /env-exec"]
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/shell", "shell-form\n")
			wantFile(t, b.files, "/exec", "exec-form\n")
			wantFile(t, b.files, "/exec-path-lookup", "")
			wantFile(t, b.files, "/env", "hello there\n")
			wantFile(t, b.files, "/env-exec", "hello there\n")
		},
	}, {
		name: "SHELL replaces /bin/sh -c for shell-form RUN only",
		dockerfile: `FROM busybox
SHELL ["/bin/busybox", "env", "VIA_SHELL=yes", "/bin/sh", "-c"]
RUN echo "shell=$VIA_SHELL" > /shell
RUN ["/bin/sh", "-c", "echo \"exec=${VIA_SHELL:-no}\" > /exec"]
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/shell", "shell=yes\n")
			wantFile(t, b.files, "/exec", "exec=no\n")
			wantStrings(t, "Shell", b.img.Config.Config.Shell, []string{"/bin/busybox", "env", "VIA_SHELL=yes", "/bin/sh", "-c"})
		},
	}, {
		name: "WORKDIR is created and is the RUN's cwd, relative WORKDIR stacks",
		dockerfile: `FROM busybox
WORKDIR /work
WORKDIR dir
RUN pwd > pwd
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/work/dir/pwd", "/work/dir\n")
			if wd := b.img.Config.Config.WorkingDir; wd != "/work/dir" {
				t.Errorf("WorkingDir = %q", wd)
			}
		},
	}, {
		name: "USER by name and by uid:gid runs RUN as that user",
		dockerfile: `FROM busybox
USER app
RUN id -u > /tmp/uid && id -g > /tmp/gid && touch /tmp/by-app
USER 1234:2345
RUN id -u > /tmp/uid2 && id -g > /tmp/gid2 && touch /tmp/by-number
USER root
RUN touch /by-root
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/tmp/uid", "1000\n")
			wantFile(t, b.files, "/tmp/gid", "1000\n")
			wantOwner(t, b.files, "/tmp/by-app", 1000, 1000)
			wantFile(t, b.files, "/tmp/uid2", "1234\n")
			wantFile(t, b.files, "/tmp/gid2", "2345\n")
			wantOwner(t, b.files, "/tmp/by-number", 1234, 2345)
			wantOwner(t, b.files, "/by-root", 0, 0)
		},
	}, {
		name:       "--network none leaves RUN only a loopback that is up",
		dockerfile: "FROM busybox\nRUN cat /proc/net/dev > /netdev && ip link show lo > /lo\n",
		args:       []string{"--network", "none"},
		check: func(t *testing.T, b built) {
			e := wantPresent(t, b.files, "/netdev")
			wantStrings(t, "interfaces with --network none", interfaces(string(e.Data)), []string{"lo"})
			if lo := wantPresent(t, b.files, "/lo"); !strings.Contains(string(lo.Data), "UP") {
				t.Errorf("loopback is not up: %q", lo.Data)
			}
		},
	}, {
		name:       "--network host shows RUN the host's interfaces",
		dockerfile: "FROM busybox\nRUN cat /proc/net/dev > /netdev\n",
		args:       []string{"--network", "host"},
		check: func(t *testing.T, b built) {
			host, err := os.ReadFile("/proc/net/dev")
			if err != nil {
				t.Fatal(err)
			}
			e := wantPresent(t, b.files, "/netdev")
			wantStrings(t, "interfaces with --network host", interfaces(string(e.Data)), interfaces(string(host)))
		},
	}}, nil)
}

// interfaces lists the interface names in a /proc/net/dev, sorted.
func interfaces(procNetDev string) []string {
	var names []string
	for _, line := range strings.Split(procNetDev, "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, "|") {
			names = append(names, strings.TrimSpace(name))
		}
	}
	slices.Sort(names)
	return names
}
