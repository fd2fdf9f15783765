package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestBudPush builds with --push: every -t name is pushed and, only then,
// tagged; tags that are not registry references are refused before the
// build starts; a push refused half-way (the registry rejects the
// manifest after taking the layers) tags nothing. push --digestfile writes
// the digest the registry serves.
func TestBudPush(t *testing.T) {
	reg := serveRegistry(t, registryOptions{})
	refuseManifests := startProxy(t, reg, func(r *http.Request) int {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
			return http.StatusForbidden
		}
		return 0
	})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		dockerfile := "FROM busybox\nRUN echo pushed-" + a.name + " > /pushed\n"

		t.Run("every -t name is pushed, then tagged", func(t *testing.T) {
			one, two := reg.Host+"/push/"+a.name+":1", reg.Host+"/push/"+a.name+":2"
			id := s.build(t, dockerfile, nil, "--push", "--tls-verify=false", "-t", one, "-t", two)
			for _, tag := range []string{"1", "2"} {
				if !reg.HasTag(t, "push/"+a.name, tag) {
					t.Errorf("push/%s:%s is not in the registry", a.name, tag)
				}
			}
			images := s.images(t)
			if !strings.Contains(images, reg.Host+"/push/"+a.name) {
				t.Errorf("the pushed names are not in local storage:\n%s", images)
			}
			fresh := newStore(t, a)
			if got := fresh.must(t, "pull", "--tls-verify=false", two).id(t); got != id {
				t.Errorf("pulled %s back, built %s", got, id)
			}
		})
		t.Run("tags that are not registry references fail before the build", func(t *testing.T) {
			for _, tag := range []string{"local-only", "localhost/app:1"} {
				r := s.bud(t, opts{}, dockerfile, nil, "--push", "-t", reg.Host+"/push/ok:1", "-t", tag)
				if r.code == 0 {
					t.Fatalf("--push -t %s succeeded:\n%s", tag, r)
				}
				wantOneLineError(t, r, "--push -t "+tag, "REGISTRY")
				if strings.Contains(r.stdout+r.stderr, "STEP") {
					t.Errorf("the build started before the tags were checked:\n%s", r)
				}
			}
			if r := s.bud(t, opts{}, dockerfile, nil, "--push"); r.code == 0 {
				t.Errorf("--push without -t succeeded:\n%s", r)
			}
		})
		t.Run("a push refused half-way tags nothing", func(t *testing.T) {
			name := refuseManifests.Host + "/refused/" + a.name + ":1"
			r := s.bud(t, opts{}, dockerfile+"RUN echo refused > /refused\n", nil, "-q", "--push", "--tls-verify=false", "--retry", "0", "-t", name)
			if r.code == 0 {
				t.Fatalf("--push to a registry refusing manifests succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "nothing was tagged")
			if images := s.images(t); strings.Contains(images, "refused") {
				t.Errorf("a name was given though the push failed:\n%s", images)
			}
			if reg.HasTag(t, "refused/"+a.name, "1") {
				t.Error("the registry has the tag though it refused the manifest")
			}
		})
		t.Run("push --digestfile", func(t *testing.T) {
			file := filepath.Join(s.scratch(t, "digest"), "digest")
			s.must(t, "push", "--tls-verify=false", "--digestfile", file, "busybox", "docker://"+reg.Host+"/digest/"+a.name+":1")
			got, err := os.ReadFile(file)
			must(t, err)
			if want := reg.ManifestDigest(t, "digest/"+a.name, "1"); string(got) != want || want == "" {
				t.Errorf("--digestfile holds %q, the registry serves %q", got, want)
			}
		})
	})
}

// TestRegistryRetries: a registry answering 503 twice is pushed to and
// pulled from with --retry; without retries the same failure is one line
// naming the status; 401, 403 and 404 are never retried.
func TestRegistryRetries(t *testing.T) {
	reg := serveRegistry(t, registryOptions{})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		t.Run("two 503s then success", func(t *testing.T) {
			flaky := startProxy(t, reg, failFirst(2, http.StatusServiceUnavailable))
			ref := flaky.Host + "/retry/" + a.name + ":1"
			s.must(t, "push", "--tls-verify=false", "--retry", "3", "--retry-delay", "10ms", "busybox", "docker://"+ref)
			flaky = startProxy(t, reg, failFirst(2, http.StatusServiceUnavailable))
			ref = flaky.Host + "/retry/" + a.name + ":1"
			newStore(t, a).must(t, "pull", "--tls-verify=false", "--retry", "3", "--retry-delay", "10ms", ref)
		})
		t.Run("503s beyond --retry fail in one line", func(t *testing.T) {
			flaky := startProxy(t, reg, failFirst(100, http.StatusServiceUnavailable))
			r := s.run(t, opts{}, "push", "--tls-verify=false", "--retry", "1", "--retry-delay", "10ms", "busybox", "docker://"+flaky.Host+"/retry/x:1")
			if r.code == 0 {
				t.Fatalf("push through a failing registry succeeded:\n%s", r)
			}
			wantRetriesThenError(t, r, 1, "503", "after 1 retry")
		})
		for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound} {
			t.Run("no retry after "+http.StatusText(status), func(t *testing.T) {
				var manifests atomic.Int32
				p := startProxy(t, reg, func(r *http.Request) int {
					if strings.Contains(r.URL.Path, "/manifests/") {
						manifests.Add(1)
						return status
					}
					return 0
				})
				r := s.run(t, opts{}, "pull", "--tls-verify=false", "--retry", "3", "--retry-delay", "10ms", p.Host+"/retry/"+a.name+":1")
				if r.code == 0 {
					t.Fatalf("pull answered %d succeeded:\n%s", status, r)
				}
				if n := manifests.Load(); n != 1 {
					t.Errorf("the manifest was asked for %d times, want 1 (no retry after %d):\n%s", n, status, r)
				}
			})
		}
	})
}

// TestRegistryErrors: each way of failing to reach a registry is one line
// saying what to do.
func TestRegistryErrors(t *testing.T) {
	plain := serveRegistry(t, registryOptions{})
	secure := serveRegistry(t, registryOptions{tls: true})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.must(t, "push", "--cert-dir", secure.CertDir, "--creds", secure.Creds(), "busybox", "docker://"+secure.Host+"/errors/busybox:1")
		env := opts{env: []string{"REGISTRY_AUTH_FILE=", "XDG_RUNTIME_DIR=" + s.scratch(t, "xdg")}}
		for _, c := range []struct {
			name string
			args []string
			want []string
		}{
			{"wrong password", []string{"pull", "--cert-dir", secure.CertDir, "--creds", secure.User + ":wrong", secure.Host + "/errors/busybox:1"},
				[]string{"unauthorized", "check --creds or the auth file"}},
			{"unknown certificate authority", []string{"pull", "--creds", secure.Creds(), secure.Host + "/errors/busybox:1"},
				[]string{"unknown authority", "--cert-dir", "--tls-verify=false"}},
			{"plain-HTTP registry over HTTPS", []string{"push", "--tls-verify=true", "busybox", "docker://" + plain.Host + "/errors/busybox:1"},
				[]string{"plain HTTP", "--tls-verify=false"}},
			{"registry down, after the retries", []string{"pull", "--tls-verify=false", "--retry", "1", "--retry-delay", "10ms", unusedAddr(t) + "/errors/busybox:1"},
				[]string{"not reachable", "after 1 retry"}},
			{"--creds without a password and no terminal", []string{"pull", "--cert-dir", secure.CertDir, "--creds", secure.User, secure.Host + "/errors/busybox:1"},
				[]string{"--creds", "not a terminal"}},
			{"bad --retry-delay", []string{"pull", "--retry-delay", "soon", "busybox"}, []string{"--retry-delay"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := s.run(t, env, c.args...)
				if r.code == 0 {
					t.Fatalf("succeeded:\n%s", r)
				}
				wantRetriesThenError(t, r, strings.Count(strings.Join(c.args, " "), "--retry 1"), c.want...)
			})
		}
	})
}

// TestRegistryProgress: a pull or push shows one line per blob, with its
// size, when stderr is not a terminal; bars (drawn with terminal escapes)
// when it is; nothing with -q.
func TestRegistryProgress(t *testing.T) {
	reg := serveRegistry(t, registryOptions{})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ref := reg.Host + "/progress/" + a.name + ":1"
		r := s.must(t, "push", "--tls-verify=false", "busybox", "docker://"+ref)
		if !strings.Contains(r.stderr, "Copying blob ") || !strings.Contains(r.stderr, "done in") || !strings.Contains(r.stderr, "/s)") {
			t.Errorf("push printed no per-blob lines with sizes and speed:\n%s", r)
		}
		r = newStore(t, a).must(t, "pull", "--tls-verify=false", ref)
		if n := strings.Count(r.stderr, "Copying blob "); n < 1 || strings.Count(r.stderr, "\n") != strings.Count(r.stderr, "Copying ") {
			t.Errorf("pull did not print one line per blob and nothing else:\n%s", r)
		}
		if r := newStore(t, a).must(t, "pull", "-q", "--tls-verify=false", ref); r.stderr != "" {
			t.Errorf("pull -q printed progress:\n%s", r)
		}
		if r := s.must(t, "push", "-q", "--tls-verify=false", "busybox", "docker://"+ref); r.stderr != "" {
			t.Errorf("push -q printed progress:\n%s", r)
		}
		r = newStore(t, a).run(t, onTerminal(""), "pull", "--tls-verify=false", ref)
		if r.code != 0 || !strings.Contains(r.stdout, "Copying blob") || !strings.Contains(r.stdout, "\x1b[") || strings.Contains(r.stdout, "done in") {
			t.Errorf("pull on a terminal drew no progress bars:\n%q", r.stdout)
		}
	})
}

// wantRetriesThenError asserts a failure after exactly retries warnings
// that a try failed and will be retried, then the one-line error.
func wantRetriesThenError(t *testing.T, r result, retries int, want ...string) {
	t.Helper()
	var rest []string
	n := 0
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "warning: ") && strings.Contains(l, "retrying in") {
			n++
			continue
		}
		rest = append(rest, l)
	}
	if n != retries {
		t.Errorf("%d retries announced, want %d:\n%s", n, retries, r)
	}
	r.stderr = strings.Join(rest, "\n")
	wantOneLineError(t, r, want...)
}

// onTerminal runs the command on a terminal (script(1)'s), typing input
// into it. mpb draws nothing on a terminal with no width, so it gets one.
func onTerminal(input string) opts {
	return opts{stdin: input, wrap: []string{"bash", "-c", `exec script -qefc "stty cols 120 rows 40; $(printf '%q ' "$@")" /dev/null`, "bash"}}
}
