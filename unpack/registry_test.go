package unpack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/docker/distribution/registry/api/errcode"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/types"
)

func TestRegistryOptionsSystemContext(t *testing.T) {
	sys, err := RegistryOptions{TLSVerify: types.OptionalBoolFalse, CertDir: "/c", Creds: "me:pa:ss", AuthFile: "/a.json",
		RegistriesConf: "/r.conf", SignaturePolicy: "/p.json"}.SystemContext()
	if err != nil {
		t.Fatal(err)
	}
	if sys.DockerInsecureSkipTLSVerify != types.OptionalBoolTrue || !sys.OCIInsecureSkipTLSVerify {
		t.Errorf("--tls-verify=false did not skip verification: %+v", sys)
	}
	if sys.DockerCertPath != "/c" || sys.AuthFilePath != "/a.json" || sys.SystemRegistriesConfPath != "/r.conf" || sys.SignaturePolicyPath != "/p.json" {
		t.Errorf("paths not passed on: %+v", sys)
	}
	if a := sys.DockerAuthConfig; a == nil || a.Username != "me" || a.Password != "pa:ss" {
		t.Errorf("creds = %+v, want me / pa:ss", a)
	}
	sys, err = RegistryOptions{TLSVerify: types.OptionalBoolTrue}.SystemContext()
	if err != nil || sys.DockerInsecureSkipTLSVerify != types.OptionalBoolFalse {
		t.Errorf("--tls-verify=true must force verification, got %v, %v", sys.DockerInsecureSkipTLSVerify, err)
	}
	sys, err = RegistryOptions{}.SystemContext()
	if err != nil || sys.DockerInsecureSkipTLSVerify != types.OptionalBoolUndefined || sys.DockerAuthConfig != nil {
		t.Errorf("defaults must leave registries.conf and auth files in charge: %+v %v", sys, err)
	}
	if _, err := (RegistryOptions{Creds: ":x"}).SystemContext(); err == nil {
		t.Error("--creds with no user accepted")
	}
}

func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{docker.UnexpectedHTTPStatusError{StatusCode: 503}, true},
		{fmt.Errorf("pulling: %w", docker.UnexpectedHTTPStatusError{StatusCode: 500}), true},
		{docker.UnexpectedHTTPStatusError{StatusCode: 404}, false},
		{docker.UnexpectedHTTPStatusError{StatusCode: 401}, false},
		{docker.UnexpectedHTTPStatusError{StatusCode: 403}, false},
		{errcode.ErrorCodeUnauthorized.WithMessage("no"), false},
		{errcode.ErrorCodeDenied.WithMessage("no"), false},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{errors.New("manifest unknown"), false},
	} {
		if got := Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestWithRetryStopsAtLimitAndOnPermanentErrors(t *testing.T) {
	o := RegistryOptions{Retry: 2, RetryDelay: 1}
	calls := 0
	err := WithRetry(context.Background(), o, func() error {
		calls++
		return docker.UnexpectedHTTPStatusError{StatusCode: 503}
	})
	if err == nil || calls != 3 {
		t.Errorf("transient failure: %d calls, err %v; want 3 calls (1 + 2 retries) and an error", calls, err)
	}
	calls = 0
	err = WithRetry(context.Background(), o, func() error {
		calls++
		if calls < 3 {
			return docker.UnexpectedHTTPStatusError{StatusCode: 502}
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("recovering registry: %d calls, err %v", calls, err)
	}
	calls = 0
	_ = WithRetry(context.Background(), o, func() error {
		calls++
		return docker.UnexpectedHTTPStatusError{StatusCode: 401}
	})
	if calls != 1 {
		t.Errorf("401 was retried: %d calls", calls)
	}
}

func TestRegistryName(t *testing.T) {
	for name, want := range map[string]string{
		"quay.io/me/app":          "quay.io/me/app:latest",
		"localhost:5000/app:1":    "localhost:5000/app:1",
		"127.0.0.1:5000/a/b:v2":   "127.0.0.1:5000/a/b:v2",
		"docker.io/library/x:1.0": "docker.io/library/x:1.0",
	} {
		got, err := RegistryName(name)
		if err != nil || got.String() != want {
			t.Errorf("RegistryName(%q) = %v, %v; want %s", name, got, err, want)
		}
	}
	for _, name := range []string{"app", "me/app:1", "localhost/app", "oci:/tmp/x:1"} {
		if _, err := RegistryName(name); err == nil {
			t.Errorf("RegistryName(%q) accepted a name that is not a registry reference", name)
		}
	}
}
