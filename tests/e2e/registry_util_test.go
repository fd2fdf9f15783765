package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// registry is a Debian docker-registry (github.com/docker/distribution)
// the test started on 127.0.0.1, in its own directory, killed when the
// test ends. Its files are world-readable so the rootless half can use
// CertDir too.
type registry struct {
	Host     string // 127.0.0.1:PORT
	TLS      bool   // HTTPS with a certificate signed by CertDir/ca.crt
	User     string // htpasswd credentials; "" when the registry is open
	Password string
	CertDir  string // ca.crt for --cert-dir (TLS only)
	dir      string
	log      *syncBuffer // the registry's stdout and stderr (access log included)
}

// registryOptions choose what serveRegistry starts.
type registryOptions struct {
	tls         bool // HTTPS with a test CA, and htpasswd authentication
	auth        bool // htpasswd authentication (implied by tls)
	clientCerts bool // with tls: demand a client certificate signed by the CA (CertDir holds one)
}

// serveRegistry starts a registry: plain HTTP and open by default; with
// o.tls, HTTPS with a certificate from a CA the test makes, and htpasswd
// authentication (user "tester").
func serveRegistry(t *testing.T, o registryOptions) *registry {
	t.Helper()
	if _, err := exec.LookPath("docker-registry"); err != nil {
		t.Skip("docker-registry is not installed (apt-get install docker-registry)")
	}
	dir, err := os.MkdirTemp(workDir, "registry-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(dir) })
	must(t, os.Chmod(dir, 0o755))
	r := &registry{TLS: o.tls, dir: dir, Host: unusedAddr(t), log: &syncBuffer{}}
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), r.Host)
	if o.tls {
		r.CertDir = filepath.Join(dir, "certs")
		crt, key := makeCertificates(t, r.CertDir, o.clientCerts)
		conf += fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\n", crt, key)
		if o.clientCerts {
			conf += fmt.Sprintf("    clientcas:\n      - %s\n", filepath.Join(r.CertDir, "ca.crt"))
		}
	}
	if o.tls || o.auth {
		r.User, r.Password = "tester", "s3cret-pass"
		out, err := exec.Command("htpasswd", "-Bbn", r.User, r.Password).Output()
		if err != nil {
			t.Skipf("htpasswd (apache2-utils) failed: %v", err)
		}
		writeFile(t, filepath.Join(dir, "htpasswd"), string(out))
		conf += fmt.Sprintf("auth:\n  htpasswd:\n    realm: stagebox-test\n    path: %s\n", filepath.Join(dir, "htpasswd"))
	}
	confPath := filepath.Join(dir, "config.yml")
	writeFile(t, confPath, conf)
	cmd := exec.Command("docker-registry", "serve", confPath)
	cmd.Stdout, cmd.Stderr = r.log, r.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	r.waitReady(t)
	return r
}

// URL is the registry's base URL.
func (r *registry) URL() string {
	if r.TLS {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// Creds is the --creds value for the registry.
func (r *registry) Creds() string { return r.User + ":" + r.Password }

// Log is what the registry printed so far.
func (r *registry) Log() string { return r.log.String() }

var blobGet = regexp.MustCompile(`"GET /v2/[^ ]+/blobs/sha256:[0-9a-f]{64} HTTP/[0-9.]+" (200|206|307)`)

// BlobGets counts the layer and config downloads the registry served.
func (r *registry) BlobGets() int { return len(blobGet.FindAllString(r.Log(), -1)) }

// waitReady polls /v2/ until the registry answers (any status: 401 means
// up too), giving up after a generous bound for a slow machine.
func (r *registry) waitReady(t *testing.T) {
	t.Helper()
	client := r.client()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get(r.URL() + "/v2/")
		if err == nil {
			resp.Body.Close()
			return
		}
	}
	t.Fatalf("docker-registry on %s did not come up:\n%s", r.Host, r.Log())
}

// client is an HTTP client that trusts the registry's CA.
func (r *registry) client() *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{}}
	if r.CertDir != "" {
		pool := x509.NewCertPool()
		if pem, err := os.ReadFile(filepath.Join(r.CertDir, "ca.crt")); err == nil {
			pool.AppendCertsFromPEM(pem)
		}
		tr.TLSClientConfig.RootCAs = pool
		if cert, err := tls.LoadX509KeyPair(filepath.Join(r.CertDir, "client.cert"), filepath.Join(r.CertDir, "client.key")); err == nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
		}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// HasTag reports whether repo:tag is in the registry.
func (r *registry) HasTag(t *testing.T, repo, tag string) bool {
	t.Helper()
	return r.ManifestDigest(t, repo, tag) != ""
}

// ManifestDigest is the digest the registry gives repo:tag's manifest, ""
// when it has no such tag.
func (r *registry) ManifestDigest(t *testing.T, repo, tag string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, r.URL()+"/v2/"+repo+"/manifests/"+tag, nil)
	must(t, err)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	if r.User != "" {
		req.SetBasicAuth(r.User, r.Password)
	}
	resp, err := r.client().Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return resp.Header.Get("Docker-Content-Digest")
}

// unusedAddr is a 127.0.0.1 port nothing listens on right now.
func unusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return l.Addr().String()
}

// makeCertificates writes a CA (dir/ca.crt, for --cert-dir) and a server
// certificate for 127.0.0.1 signed by it (outside dir, so that --cert-dir
// holds nothing but the CA), and with client a client certificate in dir
// as containers-certs.d(5) names it (client.cert, client.key); it returns
// the server's cert and key paths.
func makeCertificates(t *testing.T, dir string, client bool) (string, string) {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stagebox test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	must(t, err)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	srv := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	caCert, err := x509.ParseCertificate(caDER)
	must(t, err)
	srvDER, err := x509.CreateCertificate(rand.Reader, srv, caCert, &srvKey.PublicKey, caKey)
	must(t, err)
	writeFile(t, filepath.Join(dir, "ca.crt"), pemString("CERTIFICATE", caDER))
	crt, key := filepath.Join(filepath.Dir(dir), "server.crt"), filepath.Join(filepath.Dir(dir), "server.key")
	writeKeyPair(t, crt, key, srvDER, srvKey)
	if client {
		cliKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(t, err)
		cli := &x509.Certificate{
			SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "stagebox test client"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		cliDER, err := x509.CreateCertificate(rand.Reader, cli, caCert, &cliKey.PublicKey, caKey)
		must(t, err)
		writeKeyPair(t, filepath.Join(dir, "client.cert"), filepath.Join(dir, "client.key"), cliDER, cliKey)
	}
	return crt, key
}

// writeKeyPair writes a certificate and its key as PEM.
func writeKeyPair(t *testing.T, crt, key string, der []byte, priv *ecdsa.PrivateKey) {
	t.Helper()
	keyDER, err := x509.MarshalECPrivateKey(priv)
	must(t, err)
	writeFile(t, crt, pemString("CERTIFICATE", der))
	writeFile(t, key, pemString("EC PRIVATE KEY", keyDER))
}

func pemString(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// writeFile writes a world-readable file, failing the test on error.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

// proxy is an HTTP proxy on 127.0.0.1 in front of a plain-HTTP registry
// (or of nothing, when target is nil): refuse sees each request first and,
// returning a status, answers it with that status instead of forwarding. It keeps the Host header, so the
// upload URLs the registry hands out lead back through the proxy.
type proxy struct {
	Host string
	mu   sync.Mutex
	seen []string // "METHOD REQUEST-URI" of every request, in order
}

func startProxy(t *testing.T, target *registry, refuse func(r *http.Request) int) *proxy {
	t.Helper()
	p := &proxy{}
	var forward http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "this proxy forwards nothing", http.StatusBadGateway)
	})
	if target != nil {
		u, err := url.Parse(target.URL())
		must(t, err)
		forward = &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p.Host = l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Method+" "+r.RequestURI)
		p.mu.Unlock()
		if status := refuse(r); status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
		forward.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return p
}

// Seen lists the requests the proxy received, "METHOD REQUEST-URI" each.
func (p *proxy) Seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// failFirst refuses the first n requests with status, then forwards all.
func failFirst(n, status int) func(*http.Request) int {
	var mu sync.Mutex
	return func(*http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 {
			n--
			return status
		}
		return 0
	}
}

// registriesConf writes a registries.conf the account can read and
// returns its path.
func (s *store) registriesConf(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(s.scratch(t, "conf"), "registries.conf")
	writeFile(t, path, strings.TrimLeft(body, "\n"))
	return path
}
