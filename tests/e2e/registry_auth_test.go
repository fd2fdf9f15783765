package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// authJSON is an auth.json / config.json holding reg's credentials.
func authJSON(reg *registry) string {
	auth := base64.StdEncoding.EncodeToString([]byte(reg.Creds()))
	return fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, reg.Host, auth)
}

// credentialHelper writes docker-credential-sbtest into a new directory
// and returns it, for PATH: a helper speaking Docker's credential-helper
// protocol ("get" reads the server on stdin) that knows reg's credentials.
func credentialHelper(t *testing.T, s *store, reg *registry) string {
	dir := s.scratch(t, "helper")
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\nprintf '{\"ServerURL\":\"%%s\",\"Username\":%q,\"Secret\":%q}' \"$server\"\n", reg.User, reg.Password)
	must(t, os.WriteFile(filepath.Join(dir, "docker-credential-sbtest"), []byte(script), 0o755))
	return dir
}

// TestRegistryCredentialSources pushes to and pulls from the TLS registry
// with htpasswd, taking the credentials from each place podman looks:
// --creds, --authfile, $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json,
// $DOCKER_CONFIG/config.json, and a docker-credential helper named by
// config.json's credHelpers or registries.conf's credential-helpers
// (containers/image, so podman and stagebox, does not read Docker's
// credsStore; credential-helpers is its equivalent).
func TestRegistryCredentialSources(t *testing.T) {
	reg := serveRegistry(t, registryOptions{tls: true})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		id := s.build(t, "FROM busybox\nRUN echo creds > /creds\n", nil, "-t", "creds")
		dir := s.scratch(t, "auth")
		file := func(rel, content string) string {
			p := filepath.Join(dir, rel)
			must(t, os.MkdirAll(filepath.Dir(p), 0o755))
			writeFile(t, p, content)
			chownTree(t, a, dir)
			return p
		}
		authFile := file("authfile.json", authJSON(reg))
		file("xdg/containers/auth.json", authJSON(reg))
		file("docker/config.json", authJSON(reg))
		file("helper/config.json", fmt.Sprintf(`{"credHelpers": {%q: "sbtest"}}`, reg.Host))
		helpersConf := file("registries.conf", "credential-helpers = [\"sbtest\"]\n")
		path := "PATH=" + credentialHelper(t, s, reg) + ":" + os.Getenv("PATH")
		for _, c := range []struct {
			name  string
			flags []string
			env   []string
		}{
			{"--creds", []string{"--creds", reg.Creds()}, nil},
			{"--authfile", []string{"--authfile", authFile}, nil},
			{"REGISTRY_AUTH_FILE", nil, []string{"REGISTRY_AUTH_FILE=" + authFile}},
			{"XDG_RUNTIME_DIR auth.json", nil, []string{"XDG_RUNTIME_DIR=" + filepath.Join(dir, "xdg")}},
			{"DOCKER_CONFIG config.json", nil, []string{"DOCKER_CONFIG=" + filepath.Join(dir, "docker")}},
			{"credHelpers", nil, []string{"DOCKER_CONFIG=" + filepath.Join(dir, "helper"), path}},
			{"registries.conf credential-helpers", []string{"--registries-conf", helpersConf}, []string{path}},
		} {
			t.Run(c.name, func(t *testing.T) {
				repo := "creds/" + a.name + "-" + strings.NewReplacer(" ", "-", ".", "-", "_", "-").Replace(strings.ToLower(strings.Trim(c.name, "-")))
				flags := append([]string{"--cert-dir", reg.CertDir}, c.flags...)
				o := opts{env: append([]string{"REGISTRY_AUTH_FILE="}, c.env...)}
				if r := s.run(t, o, append(append([]string{"push"}, flags...), "creds", "docker://"+reg.Host+"/"+repo+":1")...); r.code != 0 {
					t.Fatalf("push failed:\n%s", r)
				}
				if !reg.HasTag(t, repo, "1") {
					t.Fatalf("%s:1 is not in the registry after the push", repo)
				}
				r := s.run(t, o, append(append([]string{"pull", "--policy", "always"}, flags...), reg.Host+"/"+repo+":1")...)
				if r.code != 0 || r.id(t) != id {
					t.Fatalf("pull back failed or gave another image (want %s):\n%s", id, r)
				}
			})
		}
		t.Run("--creds USER asks for the password on the terminal", func(t *testing.T) {
			o := onTerminal(reg.Password + "\n")
			o.env = []string{"REGISTRY_AUTH_FILE="}
			r := s.run(t, o, "pull", "--policy", "always", "--cert-dir", reg.CertDir, "--creds", reg.User, reg.Host+"/creds/"+a.name+"-creds:1")
			if r.code != 0 || !strings.Contains(r.stdout, "Password:") || !strings.Contains(r.stdout, id) {
				t.Fatalf("pull asking for the password failed:\n%s", r)
			}
		})
		t.Run("no credentials at all", func(t *testing.T) {
			r := s.run(t, opts{env: []string{"REGISTRY_AUTH_FILE=", "XDG_RUNTIME_DIR=" + s.scratch(t, "empty")}},
				"push", "--cert-dir", reg.CertDir, "creds", "docker://"+reg.Host+"/creds/none:1")
			if r.code == 0 {
				t.Fatalf("push without credentials succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "unauthorized", "--creds", "auth file")
		})
	})
}

// TestLoginLogout logs in (with -p, and with --password-stdin), checks that
// builds use the stored credentials, and logs out of one registry and of all.
func TestLoginLogout(t *testing.T) {
	reg := serveRegistry(t, registryOptions{tls: true})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.build(t, "FROM busybox\nRUN echo login > /login\n", nil, "-t", "login")
		xdg := s.scratch(t, "xdg")
		o := opts{env: []string{"XDG_RUNTIME_DIR=" + xdg, "REGISTRY_AUTH_FILE="}}
		stored := filepath.Join(xdg, "containers", "auth.json")
		push := func(t *testing.T) result {
			return s.run(t, o, "push", "--cert-dir", reg.CertDir, "login", "docker://"+reg.Host+"/login/"+a.name+":1")
		}

		t.Run("a wrong password is refused and nothing is stored", func(t *testing.T) {
			r := s.run(t, o, "login", "--cert-dir", reg.CertDir, "-u", reg.User, "-p", "wrong", reg.Host)
			if r.code == 0 {
				t.Fatalf("login with a wrong password succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "invalid username/password", "nothing was stored")
			if _, err := os.Stat(stored); err == nil {
				t.Errorf("%s written after a failed login", stored)
			}
		})
		t.Run("an unknown certificate authority names --cert-dir", func(t *testing.T) {
			r := s.run(t, o, "login", "-u", reg.User, "-p", reg.Password, reg.Host)
			if r.code == 0 {
				t.Fatalf("login trusting an unknown CA succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "--cert-dir", "--tls-verify=false")
		})
		t.Run("login -p stores credentials pushes use", func(t *testing.T) {
			r := s.run(t, o, "login", "--cert-dir", reg.CertDir, "-u", reg.User, "-p", reg.Password, reg.Host)
			if r.code != 0 || !strings.Contains(r.stdout, "Login Succeeded") {
				t.Fatalf("login failed:\n%s", r)
			}
			if r := push(t); r.code != 0 {
				t.Fatalf("push after login failed:\n%s", r)
			}
			if r := s.run(t, o, "login", "--get-login", reg.Host); r.code != 0 || strings.TrimSpace(r.stdout) != reg.User {
				t.Errorf("login --get-login did not print %s:\n%s", reg.User, r)
			}
		})
		t.Run("logout REGISTRY forgets them", func(t *testing.T) {
			if r := s.run(t, o, "logout", reg.Host); r.code != 0 {
				t.Fatalf("logout failed:\n%s", r)
			}
			r := push(t)
			if r.code == 0 {
				t.Fatalf("push after logout succeeded:\n%s", r)
			}
			wantOneLineError(t, r, "unauthorized", stored)
		})
		t.Run("login --password-stdin, --authfile, logout --all", func(t *testing.T) {
			file := filepath.Join(s.scratch(t, "authfile"), "auth.json")
			r := s.run(t, opts{env: o.env, stdin: reg.Password + "\n"}, "login", "--cert-dir", reg.CertDir, "--authfile", file,
				"-u", reg.User, "--password-stdin", reg.Host)
			if r.code != 0 {
				t.Fatalf("login --password-stdin failed:\n%s", r)
			}
			if r := s.run(t, o, "push", "--cert-dir", reg.CertDir, "--authfile", file, "login", "docker://"+reg.Host+"/login/"+a.name+":2"); r.code != 0 {
				t.Fatalf("push with the login's --authfile failed:\n%s", r)
			}
			if r := s.run(t, o, "logout", "--authfile", file, "--all"); r.code != 0 {
				t.Fatalf("logout --all failed:\n%s", r)
			}
			if r := s.run(t, o, "login", "--authfile", file, "--get-login", reg.Host); r.code == 0 {
				t.Errorf("still logged in after logout --all:\n%s", r)
			}
		})
	})
}
