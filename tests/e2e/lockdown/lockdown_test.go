package lockdown

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stagebox/stagebox/tests/fixtures"
	"github.com/stagebox/stagebox/tests/infojson"
)

// TestLockdown builds the seed example and the RUN-heavy Dockerfile in a
// container of each configuration and checks tier, causes and ownership.
func TestLockdown(t *testing.T) {
	d := needDocker(t)
	contexts := writeContexts(t)
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			on := d
			if c.remap {
				on = remapDaemon(t, d)
			}
			ct := startContainer(t, on, c, contexts)
			info := readInfo(t, ct)
			checkInfo(t, c.want, info)
			for _, base := range []string{"golang", "busybox"} {
				id := ct.must(t, "pull", "-q", "oci:"+fixturesMount+"/"+base+":"+fixtures.Tag).stdout
				ct.must(t, "tag", strings.TrimSpace(id), base)
			}

			// Apart, so that one failing still shows how the other fares.
			t.Run("seed", func(t *testing.T) {
				hello := ct.must(t, "bud", "-t", "hello", contextsMount+"/hello")
				recordSeed(c, info, hello.took)
				checkTierLine(t, hello, info)
				ct.must(t, "push", "hello", "oci:"+outMount+"/hello:latest")
				checkSeed(t, filepath.Join(ct.out, "hello"))
			})
			t.Run("runs", func(t *testing.T) {
				runs := ct.must(t, "bud", "-t", "runs", contextsMount+"/runs")
				checkTierLine(t, runs, info)
				ct.must(t, "push", "runs", "oci:"+outMount+"/runs:latest")
				checkOwners(t, filepath.Join(ct.out, "runs"), c.want.owners)
			})
		})
	}
	logSeedTable(t)
}

// runHeavy is the RUN-heavy Dockerfile: a COPY --chown, a RUN chown, then
// enough RUN steps that per-RUN costs show. A refused chown (one id
// mapped) leaves a marker instead of failing the build.
func runHeavy() string {
	var b strings.Builder
	b.WriteString("FROM busybox\nCOPY --chown=1234:5678 a /a\n")
	b.WriteString("RUN mkdir /data && (chown 42:43 /data 2>/dev/null || touch /data/chown-refused)\n")
	b.WriteString("RUN id -u > /data/uid\n")
	for i := 1; i <= 28; i++ {
		fmt.Fprintf(&b, "RUN echo step%d >> /data/steps\n", i)
	}
	return b.String()
}

// writeContexts writes the seed example and the RUN-heavy context under
// workDir/ctx, readable by every container user.
func writeContexts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(workDir, "ctx")
	hello := filepath.Join(dir, "hello")
	runs := filepath.Join(dir, "runs")
	for _, d := range []string{hello, runs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"Dockerfile", "go.mod", "main.go"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "contrib", "examples", "hello", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(hello, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{"Dockerfile": runHeavy(), "a": "a\n"} {
		if err := os.WriteFile(filepath.Join(runs, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var (
	remapOnce sync.Once
	remap     *daemon
	remapErr  error
)

// remapDaemon is a second daemon with --userns-remap=default, holding the
// test images; stopped at the end of the suite when the suite started it.
func remapDaemon(t *testing.T, from *daemon) *daemon {
	t.Helper()
	remapOnce.Do(func() {
		remap, remapErr = startDaemon("remap", "--userns-remap=default")
		if remapErr != nil {
			return
		}
		for _, img := range []string{testImage, setuidImage} {
			if remapErr = from.copyImage(remap, img); remapErr != nil {
				return
			}
		}
	})
	if remapErr != nil {
		t.Fatalf("userns-remapped daemon: %v", remapErr)
	}
	return remap
}

// seedTimes are the seed example's build times, for the closing table.
var seedTimes struct {
	sync.Mutex
	rows []string
}

func recordSeed(c config, info infojson.Info, took time.Duration) {
	seedTimes.Lock()
	defer seedTimes.Unlock()
	seedTimes.rows = append(seedTimes.rows, fmt.Sprintf("| %s | %s | %.1f s | %s |",
		c.name, info.Isolation.Tier, took.Seconds(), strings.Join(c.flags, " ")))
}

func logSeedTable(t *testing.T) {
	seedTimes.Lock()
	defer seedTimes.Unlock()
	t.Logf("seed example per configuration:\n| configuration | tier | seed build | docker run flags |\n|---|---|---|---|\n%s",
		strings.Join(seedTimes.rows, "\n"))
}

// readInfo runs `info --json` in the container; a failure is reported and
// the build goes on, so one run shows every problem.
func readInfo(t *testing.T, ct *container) infojson.Info {
	t.Helper()
	var info infojson.Info
	r := ct.stagebox("info", "--json")
	if r.err != nil {
		t.Errorf("info --json failed:\n%s", r)
		return info
	}
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Errorf("info --json is not JSON: %v\n%s", err, r)
	}
	return info
}

// checkInfo checks the tier and the causes info names.
func checkInfo(t *testing.T, w want, info infojson.Info) {
	t.Helper()
	if info.Isolation.Tier != w.tier {
		t.Errorf("info: tier %q, want %q (line %q, unavailable %v)", info.Isolation.Tier, w.tier, info.Isolation.Line, info.Isolation.Unavailable)
	}
	if w.sharedProc != nil && info.Isolation.SharedProc != *w.sharedProc {
		t.Errorf("info: sharedProc %v, want %v", info.Isolation.SharedProc, *w.sharedProc)
	}
	ids := info.CauseIDs()
	for _, c := range w.causes {
		if !slices.Contains(ids, c) {
			t.Errorf("info does not name the cause %s; it names %q", c, ids)
		}
	}
	for _, c := range w.notCauses {
		if slices.Contains(ids, c) {
			t.Errorf("info names the cause %s, which does not apply here; it names %q", c, ids)
		}
	}
	for _, c := range info.Causes {
		if c.Message == "" || c.Fix == "" || strings.Contains(c.Message+c.Fix, "\n") {
			t.Errorf("cause %s: want a one-line message and fix, got %q / %q", c.ID, c.Message, c.Fix)
		}
	}
}

// checkTierLine: bud announces the tier in exactly one stderr line, the one
// info says a build would use.
func checkTierLine(t *testing.T, r result, info infojson.Info) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "isolation: ") {
			lines = append(lines, l)
		}
	}
	switch {
	case len(lines) != 1:
		t.Errorf("bud printed %d isolation lines, want one:\n%s", len(lines), r)
	case info.Isolation.Line != "" && lines[0] != "isolation: "+strings.TrimPrefix(info.Isolation.Line, "isolation: "):
		t.Errorf("bud announced %q, info says a build would use %q", lines[0], info.Isolation.Line)
	}
}
