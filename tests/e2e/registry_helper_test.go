package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testRegistry is Debian's docker-registry serving plain HTTP on
// 127.0.0.1, with its access log kept so tests can count what clients
// fetched. Stagebox reaches it through a registries.conf that marks it
// insecure (CONTAINERS_REGISTRIES_CONF in env).
type testRegistry struct {
	addr string // host:port
	log  *syncBuffer
	env  []string // for stagebox: the registries.conf allowing plain HTTP
}

// startRegistry starts a registry for the test and stops it when the test
// ends. It skips the test when docker-registry is not installed.
func startRegistry(t *testing.T) *testRegistry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry is not installed (apt-get install docker-registry)")
	}
	dir, err := os.MkdirTemp(workDir, "registry-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &testRegistry{addr: freeAddr(t), log: &syncBuffer{}}
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"+
		"storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), r.addr)
	confPath := filepath.Join(dir, "config.yml")
	regConf := filepath.Join(dir, "registries.conf")
	if err := os.WriteFile(confPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(regConf, []byte(fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", r.addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.env = []string{"CONTAINERS_REGISTRIES_CONF=" + regConf}
	cmd := exec.Command(bin, "serve", confPath)
	cmd.Stdout, cmd.Stderr = r.log, r.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r.waitReady(t)
	return r
}

// opts are the options for running stagebox as a against the registry.
// XDG_RUNTIME_DIR is the account's own: without it, containers/image looks
// for credentials in /run/containers/<uid> with the uid seen inside the
// user namespace (0), which is root's and unreadable.
func (r *testRegistry) opts(t *testing.T, a *account) opts {
	t.Helper()
	runtime := mkdirFor(t, a, workDir, "xdg-"+a.name+"-")
	t.Cleanup(func() { removeTree(runtime) })
	return opts{env: append([]string{"XDG_RUNTIME_DIR=" + runtime}, r.env...)}
}

// waitReady polls /v2/ until the registry answers (or it exits).
func (r *testRegistry) waitReady(t *testing.T) {
	t.Helper()
	for i := 0; i < 600; i++ {
		resp, err := http.Get("http://" + r.addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("docker-registry never answered on %s:\n%s", r.addr, r.log.String())
}

// blobGets counts the blob downloads of repo in the access log since mark
// (a length of the log, from mark()).
func (r *testRegistry) blobGets(repo string, mark int) int {
	re := regexp.MustCompile(`"GET /v2/` + regexp.QuoteMeta(repo) + `/blobs/sha256:[0-9a-f]{64} `)
	return len(re.FindAllString(r.log.String()[mark:], -1))
}

// blobGot counts the downloads of one blob (hex digest) of repo since mark.
func (r *testRegistry) blobGot(repo, hex string, mark int) int {
	return strings.Count(r.log.String()[mark:], `"GET /v2/`+repo+`/blobs/sha256:`+hex+` `)
}

// mark is the log's length now.
func (r *testRegistry) mark() int { return len(r.log.String()) }

// freeAddr is a 127.0.0.1 address no one listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
