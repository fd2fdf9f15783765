package unpack

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/docker/distribution/registry/api/errcode"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/configfile"
)

// Explain turns a failed pull or push into one line that says what to do:
// wrong credentials, an unknown certificate authority, a plain-HTTP
// registry reached over HTTPS, a registry that is down (after o.Retry
// retries) and an image the signature policy refuses each get their own
// advice, after the failed operation err names first ("pulling
// docker://host/x:1"). Other errors come back unchanged.
func Explain(err error, sys *types.SystemContext, o RegistryOptions) error {
	if err == nil {
		return nil
	}
	what, _, _ := strings.Cut(err.Error(), ": ")
	hint := explanation(err, sys, o)
	if hint == "" {
		return err
	}
	return &explained{msg: what + ": " + hint, err: err}
}

// explained keeps the original error for errors.Is/As under a message
// that says what to do.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// explanation is the advice for err, or "" when there is none.
func explanation(err error, sys *types.SystemContext, o RegistryOptions) string {
	var unknownCA x509.UnknownAuthorityError
	var policy signature.PolicyRequirementError
	var status docker.UnexpectedHTTPStatusError
	var dns *net.DNSError
	switch {
	case errors.As(err, &policy):
		return fmt.Sprintf("refused by the signature policy %s: %s: change that policy or name another with --signature-policy", policyPath(sys), string(policy))
	case unauthorized(err):
		return fmt.Sprintf("unauthorized: the registry refused the credentials: check --creds or the auth file %s (or run `stagebox login`)", authFile(sys, o))
	case errors.As(err, &unknownCA) || strings.Contains(err.Error(), "certificate signed by unknown authority"):
		return "the registry's certificate is signed by an unknown authority: put its CA as ca.crt in a directory given to --cert-dir (or /etc/containers/certs.d/HOST:PORT/), or use --tls-verify=false"
	case strings.Contains(err.Error(), "tls: certificate required") || strings.Contains(err.Error(), "tls: bad certificate"):
		return "the registry wants a client certificate it trusts: put NAME.cert and NAME.key beside ca.crt in the directory given to --cert-dir (or /etc/containers/certs.d/HOST:PORT/)"
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the registry speaks plain HTTP, not HTTPS: use --tls-verify=false or mark it insecure = true in registries.conf"
	case errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Sprintf("the registry is not reachable (%s) after %s: check the address and that the registry is running, then try again", rootCause(err), tries(o))
	case errors.As(err, &dns):
		return fmt.Sprintf("the registry's host name %q does not resolve (%s): check the name, or use a mirror in registries.conf", dns.Name, dns.Err)
	case errors.As(err, &status) && status.StatusCode >= http.StatusInternalServerError:
		return fmt.Sprintf("the registry answered %d %s after %s: it is failing; try again later or raise --retry", status.StatusCode, http.StatusText(status.StatusCode), tries(o))
	}
	return ""
}

// unauthorized reports whether the registry refused the credentials.
func unauthorized(err error) bool {
	var creds docker.ErrUnauthorizedForCredentials
	if errors.As(err, &creds) {
		return true
	}
	var ec errcode.Error
	if errors.As(err, &ec) && ec.Code == errcode.ErrorCodeUnauthorized {
		return true
	}
	var status docker.UnexpectedHTTPStatusError
	return errors.As(err, &status) && status.StatusCode == http.StatusUnauthorized
}

// tries says how many attempts were made.
func tries(o RegistryOptions) string {
	if o.Retry == 1 {
		return "1 retry"
	}
	return fmt.Sprintf("%d retries", o.Retry)
}

// rootCause is the innermost error's text ("connection refused").
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// authFile is the auth file credentials were looked up in, as
// containers/image's pkg/docker/config picks it.
func authFile(sys *types.SystemContext, o RegistryOptions) string {
	if sys != nil && sys.AuthFilePath != "" {
		return sys.AuthFilePath
	}
	if o.AuthFile != "" {
		return o.AuthFile
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "containers", "auth.json")
	}
	return fmt.Sprintf("/run/containers/%d/auth.json", os.Getuid())
}

// policyPath is the policy.json containers/image read for sys.
func policyPath(sys *types.SystemContext) string {
	if sys != nil && sys.SignaturePolicyPath != "" {
		return sys.SignaturePolicyPath
	}
	f := &configfile.File{Name: "policy", Extension: "json", DoNotLoadDropInFiles: true, EnvironmentName: "CONTAINERS_POLICY_JSON"}
	if sys != nil {
		f.RootForImplicitAbsolutePaths = sys.RootForImplicitAbsolutePaths
	}
	paths, err := configfile.GetSearchPaths(f)
	if err != nil || len(paths.MainFiles) == 0 {
		return "policy.json"
	}
	for _, p := range paths.MainFiles {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return paths.MainFiles[0]
}
