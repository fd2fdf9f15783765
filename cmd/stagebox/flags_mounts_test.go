package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/stages"
)

func TestParseSecretSpellings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SB_TEST_SECRET", "v")
	for in, want := range map[string]stages.SecretSource{
		"id=a,src=" + file:                 {File: file},
		"id=a,type=file,source=" + file:    {File: file},
		"id=a,env=SB_TEST_SECRET":          {Env: "SB_TEST_SECRET"},
		"id=a,type=env,src=SB_TEST_SECRET": {Env: "SB_TEST_SECRET"},
		"id=SB_TEST_SECRET,type=env":       {Env: "SB_TEST_SECRET"},
	} {
		_, got, err := parseSecret(in)
		if err != nil || got != want {
			t.Errorf("parseSecret(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"src=" + file:                     "no id",
		"id=a":                            "no src",
		"id=a,src=/nonexistent/x":         "no such file",
		"id=a,env=SB_TEST_UNSET_VARIABLE": "not set",
		"id=a,type=ssh,src=" + file:       "type must be",
		"id=a,colour=red":                 "unknown key",
	} {
		if _, _, err := parseSecret(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseSecret(%q) error %v, want one saying %q", in, err, want)
		}
	}
}

func TestParseSSHKeysAndDefault(t *testing.T) {
	dir := t.TempDir()
	k1, k2 := filepath.Join(dir, "k1"), filepath.Join(dir, "k2")
	for _, k := range []string{k1, k2} {
		if err := os.WriteFile(k, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	id, paths, err := parseSSH("deploy=" + k1 + "," + k2)
	if err != nil || id != "deploy" || len(paths) != 2 || paths[1] != k2 {
		t.Errorf("parseSSH keys = %q %v %v", id, paths, err)
	}
	t.Setenv("SSH_AUTH_SOCK", k1)
	if id, paths, err := parseSSH("default"); err != nil || id != "default" || paths[0] != k1 {
		t.Errorf("parseSSH default = %q %v %v", id, paths, err)
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	if _, _, err := parseSSH("default"); err == nil {
		t.Error("--ssh default without SSH_AUTH_SOCK was accepted")
	}
}
