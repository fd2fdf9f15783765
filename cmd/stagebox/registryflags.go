package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/homedir"
	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/term"
)

// registryFlags are the registry options pull, push, bud and run share,
// spelled as podman and buildah spell them.
func registryFlags() []cli.Flag {
	return append(tlsFlags(), []cli.Flag{
		&cli.StringFlag{Name: "creds", Usage: "USER[:PASSWORD] for the registry (asks for the password on a terminal when omitted)"},
		&cli.StringFlag{Name: "authfile", EnvVars: []string{"REGISTRY_AUTH_FILE"},
			Usage: "auth file to read credentials from (default: podman's search: $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json, ~/.docker/config.json)"},
		&cli.StringFlag{Name: "registries-conf", Usage: "registries.conf to use instead of the system's and the user's"},
		&cli.StringFlag{Name: "signature-policy", Usage: "policy.json to use instead of the system's or the user's"},
		&cli.IntFlag{Name: "retry", Value: unpack.DefaultRetry, Usage: "times to retry a pull or push that failed for a transient reason (5xx, connection refused or reset)"},
		&cli.StringFlag{Name: "retry-delay", Usage: "pause between retries, e.g. 2s (default: exponential backoff from 1s)"},
	}...)
}

// tlsFlags are how to trust a registry: registryFlags' and login's.
func tlsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "tls-verify", Value: true, DefaultText: "as registries.conf's insecure setting says",
			Usage: "require HTTPS and a verified certificate; --tls-verify=false skips the check and allows plain HTTP"},
		&cli.StringFlag{Name: "cert-dir", Usage: "directory of ca.crt and client *.cert/*.key for the registry (containers-certs.d(5))"},
	}
}

// tlsOptions reads tlsFlags.
func tlsOptions(c *cli.Context) unpack.RegistryOptions {
	o := unpack.RegistryOptions{CertDir: c.String("cert-dir")}
	if c.IsSet("tls-verify") {
		o.TLSVerify = types.NewOptionalBool(c.Bool("tls-verify"))
	}
	return o
}

// registryOptions reads the flags of registryFlags. A --creds without a
// password stays so until askPassword, which must run in the process that
// does the work (after openStore's re-exec), so the user is asked once.
func registryOptions(c *cli.Context) (unpack.RegistryOptions, error) {
	rootlessRuntimeDir()
	o := tlsOptions(c)
	o.Creds, o.AuthFile, o.Retry = c.String("creds"), c.String("authfile"), c.Int("retry")
	o.RegistriesConf, o.SignaturePolicy = c.String("registries-conf"), c.String("signature-policy")
	if c.IsSet("creds") && (o.Creds == "" || strings.HasPrefix(o.Creds, ":")) {
		return o, errors.New("--creds: want USER[:PASSWORD]")
	}
	if o.Retry < 0 {
		return o, fmt.Errorf("--retry %d: give 0 or more", o.Retry)
	}
	if d := c.String("retry-delay"); d != "" {
		var err error
		if o.RetryDelay, err = time.ParseDuration(d); err != nil || o.RetryDelay < 0 {
			return o, fmt.Errorf("--retry-delay %q: give a duration such as 500ms or 2s", d)
		}
	}
	for flag, path := range map[string]string{"--cert-dir": o.CertDir, "--authfile": o.AuthFile,
		"--registries-conf": o.RegistriesConf, "--signature-policy": o.SignaturePolicy} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			return o, fmt.Errorf("%s %s: %w", flag, path, errors.Unwrap(err))
		}
	}
	return o, nil
}

// askPassword completes a --creds USER with a password read from the
// terminal, as podman does; without a terminal it says how to pass one.
func askPassword(o *unpack.RegistryOptions) error {
	if o.Creds == "" || strings.Contains(o.Creds, ":") {
		return nil
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return fmt.Errorf("--creds %s: no password given and stdin is not a terminal: use --creds USER:PASSWORD or `stagebox login`", o.Creds)
	}
	fmt.Fprint(os.Stderr, "Password: ")
	pass, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return fmt.Errorf("reading the password for --creds: %w", err)
	}
	o.Creds += ":" + string(pass)
	return nil
}

// rootlessRuntimeDir sets XDG_RUNTIME_DIR, when a rootless session has none
// (su, sudo, cron), to the directory containers-storage uses instead, as
// podman does: the default auth file lives there, and without it the lookup
// would try root's /run/containers/0/auth.json from inside the user
// namespace, where the process is uid 0, and fail on its permissions.
func rootlessRuntimeDir() {
	if os.Getenv("XDG_RUNTIME_DIR") != "" || !unshare.IsRootless() {
		return
	}
	if dir, err := homedir.GetRuntimeDir(); err == nil {
		os.Setenv("XDG_RUNTIME_DIR", dir)
	}
}
