package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegistryRoundTrips pushes a built image to a plain-HTTP registry and
// to a TLS one with htpasswd authentication, pulls each back into a second
// store (standing for another machine) with the same image ID, runs it
// with `run --pull always`, and builds FROM and COPY --from= the registry
// images.
func TestRegistryRoundTrips(t *testing.T) {
	plain := serveRegistry(t, registryOptions{})
	secure := serveRegistry(t, registryOptions{tls: true})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		id := s.build(t, "FROM busybox\nRUN echo marker-"+a.name+" > /marker\n", nil, "-t", "marker")
		other := newStore(t, a)
		for _, c := range []struct {
			name  string
			reg   *registry
			flags []string
		}{
			{"plain HTTP with --tls-verify=false", plain, []string{"--tls-verify=false"}},
			{"TLS with --cert-dir and --creds", secure, []string{"--cert-dir", secure.CertDir, "--creds", secure.Creds()}},
		} {
			t.Run(c.name, func(t *testing.T) {
				ref := c.reg.Host + "/stagebox/marker-" + a.name + ":1"
				s.must(t, append(append([]string{"push"}, c.flags...), "marker", "docker://"+ref)...)
				if !c.reg.HasTag(t, "stagebox/marker-"+a.name, "1") {
					t.Fatalf("%s is not in the registry after the push", ref)
				}
				gets := c.reg.BlobGets()
				got := other.must(t, append(append([]string{"pull", "--policy", "always"}, c.flags...), ref)...).id(t)
				if got != id {
					t.Errorf("pulled back image %s, pushed %s", got, id)
				}
				if c.reg.BlobGets() <= gets {
					t.Errorf("the registry's log counts no blob downloads for the pull:\n%s", c.reg.Log())
				}
				runner := newStore(t, a)
				r := runner.run(t, opts{}, append(append([]string{"run", "--pull", "always"}, c.flags...), ref, "cat", "/marker")...)
				if r.code != 0 || r.stdout != "marker-"+a.name+"\n" {
					t.Errorf("run --pull always of the registry image failed:\n%s", r)
				}
				fresh := newStore(t, a)
				built := fresh.build(t, "FROM "+ref+"\nCOPY --from="+ref+" /marker /copied\nRUN cat /marker /copied > /both\n", nil, c.flags...)
				wantFile(t, fresh.image(t, built).Files(), "/both", strings.Repeat("marker-"+a.name+"\n", 2))
			})
		}
	})
}

// TestRegistryClientCertificates: a registry that demands a client
// certificate is reached with the client.cert/client.key pair in
// --cert-dir (containers-certs.d(5)); with only the CA there, the failure
// says what is missing.
func TestRegistryClientCertificates(t *testing.T) {
	reg := serveRegistry(t, registryOptions{tls: true, clientCerts: true})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ref := reg.Host + "/mtls/" + a.name + ":1"
		s.must(t, "push", "--cert-dir", reg.CertDir, "--creds", reg.Creds(), "busybox", "docker://"+ref)
		if !reg.HasTag(t, "mtls/"+a.name, "1") {
			t.Fatalf("%s is not in the registry after the push", ref)
		}
		caOnly := s.scratch(t, "caonly")
		ca, err := os.ReadFile(filepath.Join(reg.CertDir, "ca.crt"))
		must(t, err)
		writeFile(t, filepath.Join(caOnly, "ca.crt"), string(ca))
		r := newStore(t, a).run(t, opts{}, "pull", "--retry", "0", "--cert-dir", caOnly, "--creds", reg.Creds(), ref)
		if r.code == 0 {
			t.Fatalf("pull without a client certificate succeeded:\n%s", r)
		}
		wantOneLineError(t, r, "client certificate", "--cert-dir")
	})
}
