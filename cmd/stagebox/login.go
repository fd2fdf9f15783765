package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
	"go.podman.io/common/pkg/auth"
	"go.podman.io/image/v5/types"
)

// loginCommand is podman's `login`: it checks the credentials against the
// registry and stores them in the auth file later pulls and pushes read.
// It needs no store, so it runs without entering a user namespace.
func loginCommand() *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "check credentials against a registry and store them in the auth file",
		ArgsUsage: "REGISTRY",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "user name (asked for when omitted)"},
			&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "password (asked for on the terminal when omitted)"},
			&cli.BoolFlag{Name: "password-stdin", Usage: "read the password from stdin"},
			&cli.BoolFlag{Name: "get-login", Usage: "print the user name stored for REGISTRY and stop"},
			&cli.StringFlag{Name: "authfile", Usage: "auth file to store the credentials in (default: $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json)"},
		}, tlsFlags()...),
		Action: login,
	}
}

func login(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("login takes one registry: stagebox login [-u USER] REGISTRY")
	}
	rootlessRuntimeDir()
	reg := tlsOptions(c)
	sys, err := reg.SystemContext()
	if err != nil {
		return err
	}
	opts := &auth.LoginOptions{
		AuthFile: c.String("authfile"), CertDir: reg.CertDir,
		Username: c.String("username"), Password: c.String("password"),
		StdinPassword: c.Bool("password-stdin"), GetLoginSet: c.Bool("get-login"),
		Stdin: os.Stdin, Stdout: c.App.Writer,
	}
	err = auth.Login(c.Context, sys, opts, c.Args().Slice())
	var invalid auth.ErrNewCredentialsInvalid
	if errors.As(err, &invalid) {
		return fmt.Errorf("%s: check the user name and password; nothing was stored", err)
	}
	return unpack.Explain(err, sys, reg)
}

// logoutCommand is podman's `logout`: it removes stored credentials.
func logoutCommand() *cli.Command {
	return &cli.Command{
		Name:      "logout",
		Usage:     "remove the credentials stored for a registry (or, with --all, for every registry)",
		ArgsUsage: "REGISTRY",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove the credentials of every registry"},
			&cli.StringFlag{Name: "authfile", Usage: "auth file to remove them from (default: as login)"},
		},
		Action: func(c *cli.Context) error {
			if !c.Bool("all") && c.NArg() != 1 {
				return errors.New("logout takes one registry, or --all: stagebox logout REGISTRY")
			}
			rootlessRuntimeDir()
			return auth.Logout(&types.SystemContext{}, &auth.LogoutOptions{
				AuthFile: c.String("authfile"), All: c.Bool("all"), Stdout: c.App.Writer,
			}, c.Args().Slice())
		},
	}
}
