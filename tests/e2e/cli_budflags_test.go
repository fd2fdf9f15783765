package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIBudCompatFlags pins issue 9's sixth point: the bud flags CI
// scripts carry from buildah and docker work or refuse with the reason.
func TestCLIBudCompatFlags(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s, ctx := cliStore(t, a)

		t.Run("--squash and --squash-all make one layer", func(t *testing.T) {
			base := len(s.image(t, "busybox").Layers)
			sctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\n" +
				"RUN echo a > /a\nRUN echo b > /b\nENV X=1\nRUN rm /a\n"})
			for _, c := range []struct {
				flag   string
				layers int
			}{{"--layers", base + 3}, {"--squash", base + 1}, {"--squash-all", 1}} {
				img := s.image(t, s.must(t, "bud", sctx, c.flag).id(t))
				if len(img.Layers) != c.layers {
					t.Errorf("%s: %d layers, want %d", c.flag, len(img.Layers), c.layers)
				}
				fs := img.Files()
				wantFile(t, fs, "/b", "b\n")
				wantAbsent(t, fs, "/a")
				wantPresent(t, fs, "/bin/busybox")
			}
			r := s.run(t, opts{}, "bud", sctx, "--squash", "--cache-from", "127.0.0.1:1/cache")
			wantOneLineError(t, r, "--squash", "--cache-from")
		})
		t.Run("--rm and --force-rm are accepted", func(t *testing.T) {
			s.must(t, "bud", "--rm", "--force-rm", ctx)
			s.must(t, "bud", "--rm=false", ctx)
		})
		t.Run("-v binds a host directory into every RUN", func(t *testing.T) {
			host := s.context(t, map[string]string{"f": "volcontent\n"})
			vctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\n" +
				"RUN cat /v/f > /got && (touch /v/new 2>/dev/null && echo rw || echo ro) >> /got\n" +
				"RUN --network=none cat /rw/f >> /got && echo made > /rw/made\n"})
			id := s.must(t, "bud", vctx, "-v", host+":/v:ro", "--volume", host+":/rw").id(t)
			fs := s.image(t, id).Files()
			wantFile(t, fs, "/got", "volcontent\nro\nvolcontent\n")
			wantAbsent(t, fs, "/v/f")
			wantAbsent(t, fs, "/rw/made")
			if b, err := os.ReadFile(filepath.Join(host, "made")); err != nil || string(b) != "made\n" {
				t.Errorf("the rw volume's write did not reach the host: %q, %v", b, err)
			}
		})
		t.Run("-v refuses a missing host directory before work", func(t *testing.T) {
			r := s.run(t, opts{}, "bud", ctx, "-v", "/nonexistent-vol:/v")
			wantOneLineError(t, r, "--volume", "/nonexistent-vol")
		})
		t.Run("--logfile takes the build's output", func(t *testing.T) {
			log := filepath.Join(s.scratch(t, "log"), "build.log")
			r := s.must(t, "bud", "--no-cache", ctx, "--logfile", log)
			id := r.id(t)
			b, err := os.ReadFile(log)
			must(t, err)
			if !strings.Contains(string(b), "STEP 2/2: RUN echo hi") || strings.Contains(r.stdout, "STEP") {
				t.Errorf("steps not in the log file, or still on stdout:\nlog:\n%s\n%s", b, r)
			}
			if strings.TrimSpace(r.stdout) != id {
				t.Errorf("stdout holds more than the image ID:\n%s", r)
			}
		})
		t.Run("--pull stands bare or with a policy", func(t *testing.T) {
			s.must(t, "bud", ctx, "--pull=false")
			s.must(t, "bud", "--pull", "never", ctx)
			// Bare --pull is always: busybox is only local, so the pull
			// from a registry is tried and fails, naming the policy.
			r := s.run(t, opts{}, "bud", "--pull", ctx, "--retry", "0", "--registries-conf", s.registriesConf(t, "unqualified-search-registries = ['127.0.0.1:1']\n"))
			wantOneLineError(t, r, "--pull=always")
		})
		t.Run("--dns names every RUN's nameservers", func(t *testing.T) {
			dctx := s.context(t, map[string]string{"Dockerfile": "FROM busybox\nRUN cat /etc/resolv.conf > /r\n"})
			fs := s.image(t, s.must(t, "bud", dctx, "--dns", "10.9.8.7", "--dns=fd00::53").id(t)).Files()
			wantFile(t, fs, "/r", "nameserver 10.9.8.7\nnameserver fd00::53\n")
			wantOneLineError(t, s.run(t, opts{}, "bud", dctx, "--dns", "none"), "--dns", "none")
		})
		t.Run("--userns, --cgroupns: host accepted, others refused", func(t *testing.T) {
			s.must(t, "bud", ctx, "--userns", "host", "--cgroupns=host")
			wantOneLineError(t, s.run(t, opts{}, "bud", ctx, "--userns", "auto"), "--userns", "not supported")
			wantOneLineError(t, s.run(t, opts{}, "bud", ctx, "--cgroupns", "private"), "--cgroupns")
		})
		t.Run("bud --isolation takes the global flag's values", func(t *testing.T) {
			s.must(t, "bud", ctx, "--isolation", "auto")
			r := s.run(t, opts{}, "bud", ctx, "--isolation", "bogus")
			wantOneLineError(t, r, "bogus")
		})
	})
}
