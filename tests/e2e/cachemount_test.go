package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunMountCache: a cache directory outlives the build and is seen by
// the next one, is in no layer, takes its owner, mode and seed from the
// options, shows in `info`, survives `prune` and goes with
// `prune --cache-mounts`.
func TestRunMountCache(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		cacheRun := "RUN --mount=type=cache,target=/cache "
		first := s.image(t, s.build(t, "FROM busybox\n"+cacheRun+"echo one > /cache/f\n", nil))
		inNoLayer(t, first, "/cache")

		seen := func(t *testing.T, variant string) string {
			t.Helper()
			df := "FROM busybox\n" + cacheRun + "(cat /cache/f 2>/dev/null || echo gone) > /seen # " + variant + "\n"
			img := s.image(t, s.build(t, df, nil))
			inNoLayer(t, img, "/cache")
			return string(wantPresent(t, img.Files(), "/seen").Data)
		}
		if got := seen(t, "second build"); got != "one\n" {
			t.Errorf("the second build saw %q in the cache mount, want the first build's file", got)
		}

		t.Run("owner, mode, seed from a stage, ro", func(t *testing.T) {
			fs := s.image(t, s.build(t, `FROM busybox AS seed
RUN mkdir /s && echo seeded > /s/x
FROM busybox
RUN --mount=type=cache,id=own,target=/o,uid=1000,gid=1000,mode=0700 stat -c '%u:%g:%a' /o > /own
RUN --mount=type=cache,id=seeded,target=/c,from=seed,source=/s cat /c/x > /got
RUN --mount=type=cache,target=/cache,ro (touch /cache/new 2>/dev/null && echo rw || echo ro) > /ro
`, nil)).Files()
			wantFile(t, fs, "/own", "1000:1000:700\n")
			wantFile(t, fs, "/got", "seeded\n")
			wantFile(t, fs, "/ro", "ro\n")
		})

		t.Run("info shows their size; prune keeps them, prune --cache-mounts removes them", func(t *testing.T) {
			if got := infoField(s.must(t, "info").stdout, "cache mounts"); got == "" || strings.HasPrefix(got, "0 ") {
				t.Errorf("info says cache mounts: %q, want their non-zero size", got)
			}
			s.must(t, "prune")
			if got := seen(t, "after prune"); got != "one\n" {
				t.Errorf("after a plain prune the cache mount held %q", got)
			}
			s.must(t, "prune", "--cache-mounts")
			if got := seen(t, "after prune --cache-mounts"); got != "gone\n" {
				t.Errorf("after prune --cache-mounts the cache mount held %q", got)
			}
		})
	})
}

// TestRunMountCacheSharing: two builds (two processes) on one locked id
// take turns, a private mount of the busy id gets a fresh directory, and a
// build waiting for the lock stops on SIGINT without running its step.
// Build A holds the lock until the test lets it go; B must say it waits,
// and the order of the lines both wrote in the cache proves B ran after A.
func TestRunMountCacheSharing(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		const mount = "RUN --mount=type=cache,id=lk,target=/c,sharing="
		ctx := s.context(t, map[string]string{
			"Dockerfile.a": "FROM busybox\n" + mount + "locked --mount=type=bind,target=/ctx sh -c 'echo start-a >> /c/log; while [ ! -e /ctx/go ]; do sleep 0.1; done; echo end-a >> /c/log'\n",
			"Dockerfile.b": "FROM busybox\n" + mount + "locked sh -c 'echo start-b >> /c/log; echo end-b >> /c/log; cat /c/log > /log'\n",
			"Dockerfile.p": "FROM busybox\n" + mount + "private sh -c 'ls -A /c > /seen; echo private >> /c/log'\n",
			"Dockerfile.i": "FROM busybox\n" + mount + "locked sh -c 'echo interrupted-build-ran >> /c/log'\n",
		})
		sum := sha256.Sum256([]byte("lk"))
		cacheLog := filepath.Join(s.root(), "stagebox-cache-mounts", hex.EncodeToString(sum[:]), "log")

		buildA := s.start(t, "bud", "-f", filepath.Join(ctx, "Dockerfile.a"), ctx)
		if !waitFor(2*time.Minute, func() bool { data, _ := os.ReadFile(cacheLog); return strings.Contains(string(data), "start-a") }, buildA.done) {
			t.Fatalf("build A never started its RUN:\n%s", buildA.wait(t))
		}
		buildB := s.start(t, "bud", "-f", filepath.Join(ctx, "Dockerfile.b"), ctx)
		waiting := waitFor(2*time.Minute, func() bool { return strings.Contains(buildB.out.String(), "waiting for cache mount") }, buildB.done)

		private := s.image(t, s.must(t, "bud", "-f", filepath.Join(ctx, "Dockerfile.p"), ctx).id(t)).Files()
		wantFile(t, private, "/seen", "")

		waits := func(out string) bool { return strings.Contains(out, "waiting for cache mount") }
		stopped := s.interrupt(t, s.dir, waits, syscall.SIGINT, "bud", "-f", filepath.Join(ctx, "Dockerfile.i"), ctx)
		if stopped.code == 0 || (!a.viaRunuser && stopped.code != 130) {
			t.Errorf("a build waiting for a locked cache mount ended with %d after SIGINT, want 130:\n%s", stopped.code, stopped.result)
		}

		must(t, os.WriteFile(filepath.Join(ctx, "go"), nil, 0o644))
		chownTree(t, a, ctx)
		ra, rb := buildA.wait(t), buildB.wait(t)
		if ra.code != 0 || rb.code != 0 {
			t.Fatalf("a build failed:\n%s\n%s", ra, rb)
		}
		if !waiting {
			t.Errorf("build B did not wait for the locked cache mount A held:\n%s", rb)
		}
		wantFile(t, s.image(t, rb.id(t)).Files(), "/log", "start-a\nend-a\nstart-b\nend-b\n")
	})
}

// background is a stagebox command running while the test does more.
type background struct {
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr
	done chan struct{}
	args []string
	err  error
}

// start runs stagebox on this store without waiting for it.
func (s *store) start(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	full := s.args(args...)
	b := &background{cmd: s.a.command(ctx, s.dir, opts{}, full...), out: &syncBuffer{}, done: make(chan struct{}), args: full}
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	if err := b.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		b.err = b.cmd.Wait()
		cancel()
		close(b.done)
	}()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			b.cmd.Cancel()
			<-b.done
		}
	})
	return b
}

// wait waits for the command and returns what it did; stdout holds both
// streams.
func (b *background) wait(t *testing.T) result {
	t.Helper()
	<-b.done
	r := result{args: b.args, stdout: b.out.String()}
	if b.err != nil {
		r.code = -1
		if ee, ok := b.err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		}
	}
	checkNoStackTrace(t, r)
	return r
}

// TestRunMountsWithoutSubordinateIDs: in a user namespace that maps the
// user alone, mounts asking for other owners still work (the owner cannot
// exist there and is left as it is), as COPY --chown does.
func TestRunMountsWithoutSubordinateIDs(t *testing.T) {
	a := noSubIDAccount(t)
	s := newStore(t, a)
	s.must(t, "tag", s.must(t, "pull", "-q", "oci:"+busyboxLayout+":latest").id(t), "busybox")
	dir := s.scratch(t, "secret")
	secret := filepath.Join(dir, "tok")
	must(t, os.WriteFile(secret, []byte("one-id-secret"), 0o600))
	chownTree(t, a, dir)
	r := s.bud(t, opts{}, `FROM busybox
RUN --mount=type=cache,target=/c,uid=1000,gid=1000,mode=0770 echo cached > /c/f && stat -c '%a' /c > /cmode
RUN --mount=type=secret,id=tok,uid=1000,mode=0440 cat /run/secrets/tok > /dev/null && echo read > /secret
RUN --mount=type=bind,target=/ctx,rw --mount=type=tmpfs,target=/t ls /ctx > /ctx-list && touch /t/x
`, map[string]string{"in.txt": "x\n"}, "--secret", "id=tok,src="+secret)
	if r.code != 0 {
		t.Fatalf("build failed:\n%s", r)
	}
	fs := s.image(t, r.id(t)).Files()
	wantFile(t, fs, "/cmode", "770\n")
	wantFile(t, fs, "/secret", "read\n")
	wantFile(t, fs, "/ctx-list", "Dockerfile\nin.txt\n")
}
