package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stagebox/stagebox/tests/fixtures"
	"github.com/stagebox/stagebox/tests/ocidir"
)

// TestBudFlags covers the bud flags no other test needs: -f in its forms,
// --jobs, and the flags that must fail loudly if they are not implemented.
func TestBudFlags(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{
			"build/Other.dockerfile": "FROM busybox\nRUN echo other > /which\n",
			"data":                   "data\n",
			"jobs.Dockerfile": "FROM busybox AS a\nRUN echo a > /a\nFROM busybox AS b\nRUN echo b > /b\n" +
				"FROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n",
			"plain.Dockerfile": "FROM busybox\nRUN true\n",
		})
		plain := filepath.Join(ctx, "plain.Dockerfile")

		t.Run("-f a Dockerfile elsewhere in the context", func(t *testing.T) {
			id := s.must(t, "bud", "-f", filepath.Join(ctx, "build", "Other.dockerfile"), ctx).id(t)
			wantFile(t, s.image(t, id).Files(), "/which", "other\n")
		})
		t.Run("-f - reads the Dockerfile from stdin", func(t *testing.T) {
			r := s.run(t, opts{stdin: "FROM busybox\nCOPY data /data\n"}, "bud", "-f", "-", ctx)
			if r.code != 0 {
				t.Fatalf("failed:\n%s", r)
			}
			wantFile(t, s.image(t, r.id(t)).Files(), "/data", "data\n")
		})
		t.Run("--jobs 1 builds independent stages one at a time", func(t *testing.T) {
			id := s.must(t, "bud", "--jobs", "1", "-f", filepath.Join(ctx, "jobs.Dockerfile"), ctx).id(t)
			fs := s.image(t, id).Files()
			wantFile(t, fs, "/a", "a\n")
			wantFile(t, fs, "/b", "b\n")
		})
		t.Run("--jobs 2 runs independent stages at the same time", func(t *testing.T) {
			// Two independent 2 s RUNs: one after the other they cannot take
			// less than 4 s; side by side they take a little over 2 s.
			sleepy := filepath.Join(ctx, "sleepy.Dockerfile")
			writeTree(t, ctx, map[string]string{"sleepy.Dockerfile": "FROM busybox AS a\nRUN sleep 2\n" +
				"FROM busybox AS b\nRUN sleep 2 && echo b > /b\nFROM busybox\nCOPY --from=a /bin/sh /a\nCOPY --from=b /b /b\n"})
			chownTree(t, a, ctx)
			one := s.must(t, "bud", "--no-cache", "--jobs", "1", "-f", sleepy, ctx).took
			two := s.must(t, "bud", "--no-cache", "--jobs", "2", "-f", sleepy, ctx).took
			if one < 4*time.Second {
				t.Errorf("--jobs 1 took %s: the two stages overlapped", one)
			}
			if two >= 3900*time.Millisecond {
				t.Errorf("--jobs 2 took %s: the two stages did not overlap", two)
			}
		})
		t.Run("without --jobs every ready stage runs at once", func(t *testing.T) {
			// One more stage than there are CPUs, each noting when it began
			// and ended (the kernel's uptime, the same in every container).
			// Under a CPU-count limit the last would begin after another
			// ended; at once, every stage begins before any ends.
			var df strings.Builder
			n := runtime.NumCPU() + 1
			for i := 0; i < n; i++ {
				fmt.Fprintf(&df, "FROM busybox AS s%d\nRUN cut -d' ' -f1 /proc/uptime > /began && sleep 3 && cut -d' ' -f1 /proc/uptime > /ended\n", i)
			}
			df.WriteString("FROM busybox\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&df, "COPY --from=s%d /began /%d.began\nCOPY --from=s%d /ended /%d.ended\n", i, i, i, i)
			}
			wide := filepath.Join(ctx, "wide.Dockerfile")
			writeTree(t, ctx, map[string]string{"wide.Dockerfile": df.String()})
			chownTree(t, a, ctx)
			fs := s.image(t, s.must(t, "bud", "--no-cache", "-f", wide, ctx).id(t)).Files()
			lastBegan, firstEnded := 0.0, math.Inf(1)
			for i := 0; i < n; i++ {
				lastBegan = math.Max(lastBegan, uptimeIn(t, fs, fmt.Sprintf("/%d.began", i)))
				firstEnded = math.Min(firstEnded, uptimeIn(t, fs, fmt.Sprintf("/%d.ended", i)))
			}
			if lastBegan >= firstEnded {
				t.Errorf("%d independent stages: the last began at %.2f s, after the first ended at %.2f s", n, lastBegan, firstEnded)
			}
		})
		for _, alias := range []string{"build", "build-using-dockerfile"} {
			t.Run(alias+" is bud", func(t *testing.T) {
				id := s.must(t, alias, "-f", filepath.Join(ctx, "build", "Other.dockerfile"), ctx).id(t)
				wantFile(t, s.image(t, id).Files(), "/which", "other\n")
			})
		}
		t.Run("--format docker is implemented or refused, never ignored", func(t *testing.T) {
			r := s.run(t, opts{}, "bud", "--format", "docker", "-f", plain, ctx)
			if r.code != 0 {
				wantRefusal(t, r, "format")
				return
			}
			dir := filepath.Join(s.scratch(t, "dir"), "img")
			s.must(t, "push", r.id(t), "dir:"+dir)
			var m struct{ MediaType string }
			data, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
			if json.Unmarshal(data, &m); m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" {
				t.Errorf("--format docker committed a %q manifest", m.MediaType)
			}
		})
		t.Run("--timestamp is implemented or refused, never ignored", func(t *testing.T) {
			r := s.run(t, opts{}, "bud", "--timestamp", "0", "-f", plain, ctx)
			if r.code != 0 {
				wantRefusal(t, r, "timestamp")
				return
			}
			if c := s.image(t, r.id(t)).Config.Created; c == nil || !c.Equal(time.Unix(0, 0)) {
				t.Errorf("--timestamp 0 gave created %v", c)
			}
		})
		t.Run("an unknown --pull policy is refused", func(t *testing.T) {
			r := s.run(t, opts{}, "bud", "--pull=sometimes", "-f", plain, ctx)
			wantOneLineError(t, r, "--pull")
			wantOneLineError(t, r, "sometimes")
		})
	})
}

// wantRefusal asserts that a flag was refused with a message naming it.
// Usage text may follow, so unlike a build error it need not be one line.
func wantRefusal(t *testing.T, r result, flag string) {
	t.Helper()
	if r.code == 0 || !strings.Contains(r.stderr, flag) {
		t.Errorf("want a failure naming %q:\n%s", flag, r)
	}
}

// TestGlobalFlags covers the flags every command takes besides --root and
// --runroot, which every test uses.
func TestGlobalFlags(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		t.Run("--storage-driver vfs is used and builds", func(t *testing.T) {
			vfs := newStore(t, a)
			vfsArgs := func(args ...string) []string { return append([]string{"--storage-driver", "vfs"}, args...) }
			if got := infoField(vfs.must(t, vfsArgs("info")...).stdout, "storage driver"); got != "vfs" {
				t.Errorf("info says storage driver %q, want vfs", got)
			}
			id := vfs.must(t, vfsArgs("pull", "oci:"+busyboxLayout+":"+fixtures.Tag)...).id(t)
			vfs.must(t, vfsArgs("tag", id, "busybox")...)
			ctx := vfs.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo vfs > /vfs\n"})
			id = vfs.must(t, vfsArgs("bud", ctx)...).id(t)
			dir := filepath.Join(vfs.scratch(t, "oci"), "layout")
			vfs.must(t, vfsArgs("push", id, "oci:"+dir+":img")...)
			img, err := ocidir.Read(dir, "img")
			if err != nil {
				t.Fatal(err)
			}
			wantFile(t, img.Files(), "/vfs", "vfs\n")
		})
		t.Run("--log-level debug logs, a bad level is refused", func(t *testing.T) {
			if r := s.must(t, "--log-level", "debug", "images"); !strings.Contains(strings.ToLower(r.stderr), "debug") {
				t.Errorf("--log-level debug logged nothing at debug level:\n%s", r)
			}
			wantRefusal(t, s.run(t, opts{}, "--log-level", "chatty", "images"), "chatty")
		})
	})
}

// uptimeIn reads a /proc/uptime reading a RUN saved in the image.
func uptimeIn(t *testing.T, fs ocidir.Files, path string) float64 {
	t.Helper()
	e, ok := fs.Get(path)
	if !ok {
		t.Fatalf("%s is missing from the image", path)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(e.Data)), 64)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}
