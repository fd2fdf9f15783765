package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// tripwire is an HTTP proxy that answers nothing: named by HTTP_PROXY and
// HTTPS_PROXY, it records any request for a host outside 127.0.0.1 (Go
// never proxies loopback), so a test can prove nothing reached out.
func tripwire(t *testing.T) (env []string, seen func() []string) {
	p := startProxy(t, nil, func(*http.Request) int { return http.StatusForbidden })
	url := "http://" + p.Host
	return []string{"HTTP_PROXY=" + url, "HTTPS_PROXY=" + url, "http_proxy=" + url, "https_proxy=" + url, "NO_PROXY=", "no_proxy="}, p.Seen
}

// TestRegistriesConf builds and pulls through registries.conf as podman
// reads it ($CONTAINERS_REGISTRIES_CONF): a docker.io mirror serving
// `FROM golang:1.22` without reaching docker.io, an insecure registry
// reached without --tls-verify=false, a blocked one refused, a short-name
// alias, unqualified-search-registries, and a localhost/ image that never
// touches the network even when localhost is blocked.
func TestRegistriesConf(t *testing.T) {
	mirror := serveRegistry(t, registryOptions{})
	blocked := serveRegistry(t, registryOptions{})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		id := s.build(t, "FROM busybox\nRUN echo mirrored > /mirrored\n", nil, "-t", "localhost/mirrored")
		s.must(t, "push", "--tls-verify=false", "localhost/mirrored", "docker://"+mirror.Host+"/library/golang:1.22")
		s.must(t, "push", "--tls-verify=false", "localhost/mirrored", "docker://"+mirror.Host+"/"+a.name+"-searched:1")
		s.must(t, "push", "--tls-verify=false", "localhost/mirrored", "docker://"+blocked.Host+"/stagebox/blocked:1")
		conf := s.registriesConf(t, fmt.Sprintf(`
unqualified-search-registries = ["docker.io", "%[1]s"]

[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "%[1]s"
insecure = true

[[registry]]
location = "%[1]s"
insecure = true

[[registry]]
location = "%[2]s"
blocked = true

[[registry]]
location = "localhost"
blocked = true

[aliases]
"sbalias" = "%[1]s/%[3]s-searched"
`, mirror.Host, blocked.Host, a.name))
		proxyEnv, proxied := tripwire(t)
		o := opts{env: append([]string{"CONTAINERS_REGISTRIES_CONF=" + conf}, proxyEnv...)}
		build := func(t *testing.T, from string) result {
			return s.bud(t, o, "FROM "+from+"\nRUN cat /mirrored > /seen\n", nil)
		}

		t.Run("a docker.io mirror serves FROM golang:1.22", func(t *testing.T) {
			fresh := newStore(t, a)
			r := fresh.bud(t, o, "FROM golang:1.22\nRUN cat /mirrored > /seen\n", nil)
			if r.code != 0 {
				t.Fatalf("build through the mirror failed:\n%s", r)
			}
			wantFile(t, fresh.image(t, r.id(t)).Files(), "/seen", "mirrored\n")
			if seen := proxied(); len(seen) > 0 {
				t.Errorf("the build reached outside 127.0.0.1: %v", seen)
			}
			if !strings.Contains(mirror.Log(), "/v2/library/golang/manifests/1.22") {
				t.Errorf("the mirror never served library/golang:1.22:\n%s", mirror.Log())
			}
		})
		t.Run("insecure = true reaches a plain-HTTP registry", func(t *testing.T) {
			r := s.run(t, o, "pull", "--policy", "always", mirror.Host+"/library/golang:1.22")
			if r.code != 0 || r.id(t) != id {
				t.Fatalf("pull from the insecure registry failed:\n%s", r)
			}
		})
		t.Run("blocked = true refuses the registry", func(t *testing.T) {
			r := s.run(t, o, "pull", "--tls-verify=false", blocked.Host+"/stagebox/blocked:1")
			if r.code == 0 {
				t.Fatalf("pull from a blocked registry succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "blocked")
		})
		t.Run("a short-name alias resolves", func(t *testing.T) {
			if r := build(t, "sbalias:1"); r.code != 0 {
				t.Fatalf("FROM an alias failed:\n%s", r)
			}
		})
		t.Run("unqualified-search-registries are tried in order", func(t *testing.T) {
			if r := build(t, a.name+"-nowhere:1"); r.code == 0 {
				t.Fatalf("a short name resolved though no search registry holds it:\n%s", r)
			}
			if r := build(t, a.name+"-searched:1"); r.code != 0 {
				t.Fatalf("FROM a short name found in the second search registry failed:\n%s", r)
			}
		})
		t.Run("a localhost/ image in storage needs no registry", func(t *testing.T) {
			before := len(proxied())
			if r := build(t, "localhost/mirrored"); r.code != 0 {
				t.Fatalf("FROM localhost/mirrored with localhost blocked failed:\n%s", r)
			}
			if seen := proxied()[before:]; len(seen) > 0 {
				t.Errorf("reached outside 127.0.0.1: %v", seen)
			}
		})
	})
}

// TestSignaturePolicyRefusal pulls an image a policy.json rejects: the
// error is one line naming the policy file.
func TestSignaturePolicyRefusal(t *testing.T) {
	reg := serveRegistry(t, registryOptions{})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.must(t, "push", "--tls-verify=false", "busybox", "docker://"+reg.Host+"/policy/busybox:1")
		policy := filepath.Join(s.scratch(t, "policy"), "policy.json")
		writeFile(t, policy, `{"default": [{"type": "reject"}]}`)
		for _, c := range []struct {
			name  string
			flags []string
			env   []string
		}{
			{"--signature-policy", []string{"--signature-policy", policy}, nil},
			{"CONTAINERS_POLICY_JSON", nil, []string{"CONTAINERS_POLICY_JSON=" + policy}},
		} {
			t.Run(c.name, func(t *testing.T) {
				args := append(append([]string{"pull", "--tls-verify=false"}, c.flags...), reg.Host+"/policy/busybox:1")
				r := s.run(t, opts{env: c.env}, args...)
				if r.code == 0 {
					t.Fatalf("pull of a rejected image succeeded:\n%s", r)
				}
				wantOneLineError(t, r, "signature policy", policy)
			})
		}
	})
}
