package lockdown

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// container is one long-lived container of a configuration; every stagebox
// command runs in it through docker exec, so each has its own output and
// status while the store persists between them.
type container struct {
	d    *daemon
	name string
	bin  string // the stagebox binary's path inside
	out  string // host directory mounted at /out
}

// Paths inside the container.
const (
	binMount      = "/opt/stagebox"
	singleFileBin = "/usr/local/bin/stagebox"
	fixturesMount = "/fixtures"
	contextsMount = "/ctx"
	outMount      = "/out"
)

// startContainer runs c's image with c's flags, the binary, the fixtures,
// the contexts and an output directory mounted, idle until removed.
func startContainer(t *testing.T, d *daemon, c config, contexts string) *container {
	t.Helper()
	// A fixed name: a run killed before its cleanup (go test -timeout)
	// leaves a container that the next run removes.
	ct := &container{d: d, name: "stagebox-lockdown-" + c.name, bin: binMount + "/stagebox"}
	ct.out = filepath.Join(workDir, "out", c.name)
	if err := os.MkdirAll(ct.out, 0o777); err != nil {
		t.Fatal(err)
	}
	// Writable by whatever host id the container's user maps to.
	if err := os.Chmod(ct.out, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := []string{"-v", binDir + ":" + binMount + ":ro"}
	if c.singleFile {
		bin = []string{"-v", filepath.Join(binDir, "stagebox") + ":" + singleFileBin + ":ro"}
		ct.bin = singleFileBin
	}
	args := join([]string{"run", "-d", "--name", ct.name, "--network", "none"}, c.flags, bin, []string{
		"-v", fixturesDir + ":" + fixturesMount + ":ro",
		"-v", contexts + ":" + contextsMount + ":ro",
		"-v", ct.out + ":" + outMount,
		c.image, "sleep", "infinity",
	})
	d.docker("rm", "-f", "-v", ct.name)
	if _, err := d.docker(args...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("STAGEBOX_LOCKDOWN_KEEP") == "" {
			d.docker("rm", "-f", "-v", ct.name)
		}
	})
	return ct
}

// result is one stagebox command's outcome in the container.
type result struct {
	args           []string
	stdout, stderr string
	err            error
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("$ stagebox %s\nerror: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.err, r.stdout, r.stderr)
}

// stagebox runs the binary with args in the container.
func (ct *container) stagebox(args ...string) result {
	start := time.Now()
	stdout, stderr, err := ct.d.exec(ct.name, append([]string{ct.bin}, args...)...)
	return result{args: args, stdout: stdout, stderr: stderr, err: err, took: time.Since(start)}
}

// must is stagebox, failing t on an error.
func (ct *container) must(t *testing.T, args ...string) result {
	t.Helper()
	r := ct.stagebox(args...)
	if r.err != nil {
		t.Fatalf("in %s:\n%s", ct.name, r)
	}
	return r
}
