package unpack

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

func TestExplainGivesOneLineAdvice(t *testing.T) {
	sys := &types.SystemContext{AuthFilePath: "/auth.json", SignaturePolicyPath: "/policy.json"}
	o := RegistryOptions{Retry: 2}
	wrap := func(err error) error { return fmt.Errorf("pulling docker://h:5000/x:1: initializing source: %w", err) }
	for _, c := range []struct {
		err  error
		want []string
	}{
		{docker.ErrUnauthorizedForCredentials{Err: errors.New("401")}, []string{"unauthorized", "--creds", "/auth.json"}},
		{docker.UnexpectedHTTPStatusError{StatusCode: 401}, []string{"unauthorized", "/auth.json"}},
		{x509.UnknownAuthorityError{}, []string{"unknown authority", "--cert-dir", "--tls-verify=false"}},
		{errors.New("http: server gave HTTP response to HTTPS client"), []string{"plain HTTP", "--tls-verify=false"}},
		{errors.New("remote error: tls: certificate required"), []string{"client certificate", "NAME.cert", "--cert-dir"}},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, []string{"not reachable", "connection refused", "2 retries"}},
		{docker.UnexpectedHTTPStatusError{StatusCode: 503}, []string{"503", "2 retries"}},
		{&net.DNSError{Name: "nowhere.invalid", Err: "no such host"}, []string{`"nowhere.invalid" does not resolve`}},
		{signature.PolicyRequirementError("Running image docker://x is rejected by policy."), []string{"signature policy /policy.json", "rejected"}},
	} {
		got := Explain(wrap(c.err), sys, o)
		msg := got.Error()
		if !strings.HasPrefix(msg, "pulling docker://h:5000/x:1: ") || strings.Contains(msg, "\n") {
			t.Errorf("%v: %q does not start with the operation on one line", c.err, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%v: %q does not mention %q", c.err, msg, w)
			}
		}
		if !errors.Is(got, c.err) && !errors.As(got, new(docker.UnexpectedHTTPStatusError)) {
			t.Errorf("%v: the explanation lost the original error", c.err)
		}
	}
	plain := wrap(errors.New("manifest unknown"))
	if got := Explain(plain, sys, o); got != plain {
		t.Errorf("an error with no advice changed: %v", got)
	}
	if Explain(nil, sys, o) != nil {
		t.Error("Explain(nil) is not nil")
	}
}
