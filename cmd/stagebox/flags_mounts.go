package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stagebox/stagebox/stages"
	"github.com/urfave/cli/v2"
)

// mountFlags are bud's sources for RUN --mount=type=secret and type=ssh.
func mountFlags() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "secret", Value: &repeated{}, Usage: "id=ID,src=FILE or id=ID,env=VARIABLE: a secret for RUN --mount=type=secret (repeatable)"},
		&cli.GenericFlag{Name: "ssh", Value: &repeated{}, Usage: "default, or ID=SOCKET or ID=KEYFILE[,KEYFILE...]: an ssh agent for RUN --mount=type=ssh (repeatable)"},
	}
}

// repeated is a repeatable flag whose values keep their commas, which
// --secret and --ssh use as separators of their own.
type repeated []string

func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }
func (r *repeated) String() string     { return strings.Join(*r, " ") }

func repeatedValues(c *cli.Context, name string) []string {
	if r, ok := c.Generic(name).(*repeated); ok && r != nil {
		return *r
	}
	return nil
}

// fillMountOptions parses --secret and --ssh into o. Files and sockets
// must exist now, so a typo fails before the build starts.
func fillMountOptions(c *cli.Context, o *stages.Options) error {
	for _, v := range repeatedValues(c, "secret") {
		id, src, err := parseSecret(v)
		if err != nil {
			return err
		}
		if o.Secrets == nil {
			o.Secrets = map[string]stages.SecretSource{}
		}
		o.Secrets[id] = src
	}
	for _, v := range repeatedValues(c, "ssh") {
		id, paths, err := parseSSH(v)
		if err != nil {
			return err
		}
		if o.SSH == nil {
			o.SSH = map[string][]string{}
		}
		o.SSH[id] = paths
	}
	return nil
}

// parseSecret reads buildah's and BuildKit's spelling:
// id=ID[,type=file],src=PATH or id=ID,type=env[,src=VARIABLE] or id=ID,env=VARIABLE.
func parseSecret(v string) (string, stages.SecretSource, error) {
	bad := func(why string) (string, stages.SecretSource, error) {
		return "", stages.SecretSource{}, fmt.Errorf("--secret %q: %s (want id=ID,src=FILE or id=ID,env=VARIABLE)", v, why)
	}
	var id, typ, src, env string
	for _, field := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(field, "=")
		if !ok || val == "" {
			return bad(fmt.Sprintf("%q is not KEY=VALUE", field))
		}
		switch strings.ToLower(k) {
		case "id":
			id = val
		case "type":
			typ = val
		case "src", "source":
			src = val
		case "env":
			env = val
		default:
			return bad(fmt.Sprintf("unknown key %q", k))
		}
	}
	switch {
	case id == "":
		return bad("no id")
	case typ != "" && typ != "file" && typ != "env":
		return bad("type must be file or env")
	case env != "" && (typ == "file" || src != ""):
		return bad("give either src (a file) or env (a variable)")
	case typ == "env" || env != "":
		if env == "" {
			env = src
		}
		if env == "" {
			env = id
		}
		if _, ok := os.LookupEnv(env); !ok {
			return bad(fmt.Sprintf("environment variable %s is not set", env))
		}
		return id, stages.SecretSource{Env: env}, nil
	case src == "":
		return bad("no src")
	}
	abs, err := filepath.Abs(src)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		return bad(err.Error())
	}
	return id, stages.SecretSource{File: abs}, nil
}

// parseSSH reads `default` (the agent of $SSH_AUTH_SOCK), ID=SOCKET or
// ID=KEYFILE[,KEYFILE...]; a bare ID other than default is an error.
func parseSSH(v string) (string, []string, error) {
	id, list, ok := strings.Cut(v, "=")
	if id == "" {
		return "", nil, fmt.Errorf("--ssh %q: want default, or ID=SOCKET or ID=KEYFILE[,KEYFILE...]", v)
	}
	if !ok {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return "", nil, fmt.Errorf("--ssh %s: SSH_AUTH_SOCK is not set: start an agent, or give ID=SOCKET or ID=KEYFILE", v)
		}
		list = sock
	}
	var paths []string
	for _, p := range strings.Split(list, ",") {
		abs, err := filepath.Abs(p)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			return "", nil, fmt.Errorf("--ssh %s: %w", v, err)
		}
		paths = append(paths, abs)
	}
	return id, paths, nil
}
