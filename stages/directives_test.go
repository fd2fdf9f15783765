package stages

import (
	"errors"
	"strings"
	"testing"
)

func TestSyntaxDirectiveWarnsOnlyForOtherFrontends(t *testing.T) {
	for syntax, warn := range map[string]bool{
		"docker/dockerfile:1":                                 false,
		"docker.io/docker/dockerfile:1.7-labs":                false,
		"docker/dockerfile@sha256:" + strings.Repeat("a", 64): false,
		"example.com/my/frontend:2":                           true,
		"docker/dockerfile-custom":                            true,
	} {
		p, err := ParseDockerfile("Dockerfile", []byte("# syntax="+syntax+"\nFROM busybox\n"))
		if err != nil {
			t.Fatalf("%s: %v", syntax, err)
		}
		if got := len(p.Warnings) == 1 && strings.Contains(p.Warnings[0], syntax) && strings.HasPrefix(p.Warnings[0], "Dockerfile:1:"); got != warn {
			t.Errorf("# syntax=%s: warnings %q, want one naming it: %t", syntax, p.Warnings, warn)
		}
	}
}

func TestCheckDirectiveAcceptedOrRefusedAtItsLine(t *testing.T) {
	if _, err := ParseDockerfile("Dockerfile", []byte("# check=skip=JSONArgsRecommended;error=true\nFROM busybox\n")); err != nil {
		t.Errorf("a valid # check= was refused: %v", err)
	}
	_, err := ParseDockerfile("Dockerfile", []byte("# syntax=docker/dockerfile:1\n# check=nonsense\nFROM busybox\n"))
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || !strings.Contains(err.Error(), "check") {
		t.Errorf("a malformed # check= gave %v, want an error at line 2", err)
	}
}
