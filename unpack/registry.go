package unpack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.podman.io/common/pkg/retry"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// RegistryOptions is everything the user says about reaching registries:
// cmd fills it from the flags podman and buildah spell the same way, and
// every pull, push and cache transfer builds its types.SystemContext from
// it, so no package below cmd parses a flag or reads one of these
// settings from the environment.
type RegistryOptions struct {
	// TLSVerify: OptionalBoolFalse is --tls-verify=false (no certificate
	// check, plain HTTP allowed); OptionalBoolTrue forces TLS even where
	// registries.conf marks the registry insecure; undefined follows
	// registries.conf.
	TLSVerify types.OptionalBool
	// CertDir holds ca.crt and client *.cert/*.key as containers-certs.d(5)
	// describes; "" uses /etc/containers/certs.d and the per-user one.
	CertDir string
	// Creds is "USER:PASS" (cmd asks for the password when --creds has
	// none); "" uses the auth file lookup.
	Creds string
	// AuthFile is --authfile or $REGISTRY_AUTH_FILE; "" is podman's default
	// search (${XDG_RUNTIME_DIR}/containers/auth.json, ~/.config/containers/auth.json,
	// $DOCKER_CONFIG/config.json, ~/.docker/config.json, credential helpers).
	AuthFile string
	// RegistriesConf replaces registries.conf ("" reads the system and
	// user files and $CONTAINERS_REGISTRIES_CONF as podman does).
	RegistriesConf string
	// SignaturePolicy replaces policy.json ("" reads the user's or the
	// system's, else accepts anything; see PolicyContext).
	SignaturePolicy string
	// Retry is how many times a transfer that failed for a transient reason
	// (5xx, connection refused or reset, timeout) is tried again; never after
	// 401, 403 or 404. RetryDelay is the pause between tries; 0 backs off
	// exponentially from one second.
	Retry      int
	RetryDelay time.Duration
}

// DefaultRetry is podman's default --retry.
const DefaultRetry = 3

// SystemContext builds the containers/image context for o. Each call
// returns a fresh value the caller may change (say, to add compression).
func (o RegistryOptions) SystemContext() (*types.SystemContext, error) {
	sys := &types.SystemContext{
		DockerCertPath:           o.CertDir,
		AuthFilePath:             o.AuthFile,
		SystemRegistriesConfPath: o.RegistriesConf,
		SignaturePolicyPath:      o.SignaturePolicy,
	}
	switch o.TLSVerify {
	case types.OptionalBoolFalse:
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
		sys.DockerDaemonInsecureSkipTLSVerify = true
	case types.OptionalBoolTrue:
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolFalse
	}
	if o.Creds != "" {
		user, pass, _ := strings.Cut(o.Creds, ":")
		if user == "" {
			return nil, errors.New(`--creds: want USER[:PASSWORD], got an empty user name`)
		}
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: user, Password: pass}
	}
	return sys, nil
}

// WithRetry runs op, and runs it again up to o.Retry times while it fails
// for a reason worth retrying (see Retryable), waiting between
// tries; it gives up at once when ctx ends.
func WithRetry(ctx context.Context, o RegistryOptions, op func() error) error {
	delay := o.RetryDelay
	if delay > 0 && delay < time.Millisecond {
		// The library adds up to 10% jitter with rand.N, which panics
		// when a tenth of the delay rounds to nothing.
		delay = time.Millisecond
	}
	return retry.IfNecessary(ctx, op, &retry.Options{
		MaxRetry:         o.Retry,
		Delay:            delay,
		IsErrorRetryable: Retryable,
	})
}

// Retryable reports whether a registry error is transient: any 5xx answer
// (containers/common retries only 502-504; a registry behind a proxy
// answers 500 and 503 for a restart too) or what containers/common
// considers transient (connection refused or reset, timeouts). 401, 403
// and 404 never are: trying again cannot fix credentials or a name.
func Retryable(err error) bool {
	var status docker.UnexpectedHTTPStatusError
	if errors.As(err, &status) {
		return status.StatusCode >= http.StatusInternalServerError
	}
	return retry.IsErrorRetryable(err)
}

// String describes o for debug logs, never printing a password.
func (o RegistryOptions) String() string {
	user, _, _ := strings.Cut(o.Creds, ":")
	return fmt.Sprintf("tls-verify=%v cert-dir=%q user=%q authfile=%q registries-conf=%q retry=%d retry-delay=%s",
		o.TLSVerify, o.CertDir, user, o.AuthFile, o.RegistriesConf, o.Retry, o.RetryDelay)
}

// RegistryName is the registry reference a -t name pushes to (Docker's
// normalization, ":latest" added), or an error when the name has no
// registry or names the local-only "localhost" one.
func RegistryName(name string) (reference.Named, error) {
	if isShortName(name) || hasTransport(name) {
		return nil, fmt.Errorf("not a registry reference: give REGISTRY[:PORT]/NAME[:TAG], such as quay.io/me/app:1")
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, fmt.Errorf("invalid image name %q: %w", name, err)
	}
	if reference.Domain(named) == "localhost" {
		return nil, fmt.Errorf("localhost/ names stay in local storage: give REGISTRY[:PORT]/NAME[:TAG], such as localhost:5000/app:1")
	}
	return reference.TagNameOnly(named), nil
}
