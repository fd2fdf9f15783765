package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// agentList is a static helper a RUN calls to list the identities of the
// agent at $SSH_AUTH_SOCK (busybox has no ssh client): it speaks the agent
// protocol's REQUEST_IDENTITIES and prints each key's comment.
const agentList = `package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	c, err := net.Dial("unix", os.Getenv("SSH_AUTH_SOCK"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c.Write([]byte{0, 0, 0, 1, 11})
	var n uint32
	if err := binary.Read(c, binary.BigEndian, &n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(c, msg); err != nil || msg[0] != 12 {
		fmt.Fprintln(os.Stderr, "bad answer", err)
		os.Exit(1)
	}
	count, rest := binary.BigEndian.Uint32(msg[1:]), msg[5:]
	str := func() []byte {
		l := binary.BigEndian.Uint32(rest)
		s := rest[4 : 4+l]
		rest = rest[4+l:]
		return s
	}
	for i := uint32(0); i < count; i++ {
		str()
		fmt.Println(string(str()))
	}
}
`

var (
	agentListOnce sync.Once
	agentListBin  string
	agentListErr  error
)

// agentListBinary builds agentList once, statically.
func agentListBinary(t *testing.T) string {
	t.Helper()
	agentListOnce.Do(func() {
		dir := filepath.Join(workDir, "agentlist")
		if agentListErr = os.MkdirAll(dir, 0o755); agentListErr != nil {
			return
		}
		src := filepath.Join(dir, "main.go")
		if agentListErr = os.WriteFile(src, []byte(agentList), 0o644); agentListErr != nil {
			return
		}
		agentListBin = filepath.Join(dir, "agentlist")
		cmd := exec.Command("go", "build", "-o", agentListBin, src)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			agentListErr = &buildError{err, string(out)}
		}
	})
	if agentListErr != nil {
		t.Fatal(agentListErr)
	}
	return agentListBin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// asAccount runs argv as a (through runuser when the suite is root and a
// is not) with extra environment, failing the test if it fails.
func asAccount(t *testing.T, a *account, env []string, argv ...string) *exec.Cmd {
	t.Helper()
	if a.viaRunuser {
		argv = append([]string{"runuser", "-u", a.name, "--"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// startAgent starts the account's own ssh-agent with one new key whose
// comment is comment, and returns its socket and the key file.
func startAgent(t *testing.T, s *store, comment string) (sock, key string) {
	t.Helper()
	if _, err := exec.LookPath("ssh-agent"); err != nil {
		t.Skip("ssh-agent is not installed (Debian's openssh-client)")
	}
	dir := s.scratch(t, "ssh")
	sock, key = filepath.Join(dir, "agent.sock"), filepath.Join(dir, comment)
	if out, err := asAccount(t, s.a, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	agent := asAccount(t, s.a, nil, "ssh-agent", "-D", "-a", sock)
	must(t, agent.Start())
	t.Cleanup(func() {
		syscall.Kill(-agent.Process.Pid, syscall.SIGTERM)
		agent.Wait()
	})
	if !waitFor(time.Minute, func() bool { _, err := os.Stat(sock); return err == nil }, nil) {
		t.Fatal("ssh-agent made no socket")
	}
	if out, err := asAccount(t, s.a, []string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	return sock, key
}

// TestRunMountSSH: a RUN reaches the user's agent (bud --ssh default) or
// an agent stagebox serves for key files (--ssh ID=KEYFILE) at
// /run/buildkit/ssh_agent.N or target=, with SSH_AUTH_SOCK for that RUN
// alone, the socket owned as uid=/mode= say, nothing left in the layer.
func TestRunMountSSH(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		sock, key := startAgent(t, s, "e2e-agent-key")
		helper, err := os.ReadFile(agentListBinary(t))
		must(t, err)
		const bindHelper = "--mount=type=bind,source=agentlist,target=/usr/local/bin/agentlist "
		ctx := s.context(t, map[string]string{
			"agentlist": string(helper),
			"Dockerfile": "FROM busybox\n" +
				"RUN " + bindHelper + "--mount=type=ssh agentlist > /ids && echo \"$SSH_AUTH_SOCK\" > /sock && stat -c '%a %u' \"$SSH_AUTH_SOCK\" > /sockmode\n" +
				"RUN echo \"${SSH_AUTH_SOCK:-unset}\" > /after\n" +
				"RUN " + bindHelper + "--mount=type=ssh,id=keys,target=/agent.sock,uid=1000,mode=0660,required SSH_AUTH_SOCK=/agent.sock agentlist > /ids2 && stat -c '%a %u' /agent.sock > /sockmode2\n" +
				"RUN --mount=type=ssh,id=absent (test -e /run/buildkit/ssh_agent.0 && echo present || echo absent) > /optional\n",
		})
		must(t, os.Chmod(filepath.Join(ctx, "agentlist"), 0o755))
		r := s.run(t, opts{env: []string{"SSH_AUTH_SOCK=" + sock}}, "bud", "--ssh", "default", "--ssh", "keys="+key, ctx)
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		img := s.image(t, r.id(t))
		fs := img.Files()
		wantFile(t, fs, "/ids", "e2e-agent-key\n")
		wantFile(t, fs, "/sock", "/run/buildkit/ssh_agent.0\n")
		wantFile(t, fs, "/sockmode", "600 0\n")
		wantFile(t, fs, "/after", "unset\n")
		wantFile(t, fs, "/ids2", "e2e-agent-key\n")
		wantFile(t, fs, "/sockmode2", "660 1000\n")
		wantFile(t, fs, "/optional", "absent\n")
		inNoLayer(t, img, "/run", "/agent.sock", "/usr/local/bin/agentlist")

		t.Run("a missing required ssh id fails at its line naming it", func(t *testing.T) {
			r := s.bud(t, opts{}, "FROM busybox\nRUN --mount=type=ssh,id=github,required=true true\n", nil)
			wantOneLineError(t, r, "Dockerfile:2", `"github"`, "required")
		})
		t.Run("bud refuses --ssh default without an agent", func(t *testing.T) {
			r := s.bud(t, opts{env: []string{"SSH_AUTH_SOCK="}}, "FROM busybox\n", nil, "--ssh", "default")
			if r.code == 0 || !strings.Contains(r.stderr, "SSH_AUTH_SOCK") {
				t.Errorf("want a refusal naming SSH_AUTH_SOCK:\n%s", r)
			}
		})
	})
}
