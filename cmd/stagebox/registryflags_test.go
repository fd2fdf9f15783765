package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/types"
)

// parseRegistryFlags runs args through a command with registryFlags and
// returns what registryOptions made of them.
func parseRegistryFlags(t *testing.T, args ...string) (unpack.RegistryOptions, error) {
	t.Helper()
	var got unpack.RegistryOptions
	var err error
	app := &cli.App{Name: "stagebox", Commands: []*cli.Command{{
		Name: "pull", Flags: registryFlags(),
		Action: func(c *cli.Context) error {
			got, err = registryOptions(c)
			return nil
		},
	}}}
	if runErr := app.Run(append([]string{"stagebox", "pull"}, args...)); runErr != nil {
		t.Fatalf("flags %v refused by the parser: %v", args, runErr)
	}
	return got, err
}

func TestRegistryFlagsFillTheOptions(t *testing.T) {
	dir := t.TempDir()
	o, err := parseRegistryFlags(t, "--tls-verify=false", "--cert-dir", dir, "--creds", "me:pw", "--retry", "5", "--retry-delay", "250ms")
	if err != nil {
		t.Fatal(err)
	}
	if o.TLSVerify != types.OptionalBoolFalse || o.CertDir != dir || o.Creds != "me:pw" || o.Retry != 5 || o.RetryDelay != 250*time.Millisecond {
		t.Errorf("options = %+v", o)
	}
	o, err = parseRegistryFlags(t)
	if err != nil || o.TLSVerify != types.OptionalBoolUndefined || o.Retry != unpack.DefaultRetry {
		t.Errorf("defaults = %+v, %v; want --tls-verify left to registries.conf and %d retries", o, err, unpack.DefaultRetry)
	}
	if o, _ = parseRegistryFlags(t, "--tls-verify"); o.TLSVerify != types.OptionalBoolTrue {
		t.Errorf("--tls-verify gave %v, want a forced true", o.TLSVerify)
	}
}

func TestRegistryFlagsRefuseBadValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--retry", "-1"}, "--retry"},
		{[]string{"--retry-delay", "soon"}, "--retry-delay"},
		{[]string{"--creds", ":pw"}, "--creds"},
		{[]string{"--cert-dir", "/nonexistent/certs"}, "--cert-dir /nonexistent/certs"},
		{[]string{"--authfile", "/nonexistent/auth.json"}, "--authfile"},
	} {
		_, err := parseRegistryFlags(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one naming %s", c.args, err, c.want)
		}
	}
}
