package unpack

import (
	"testing"

	"go.podman.io/image/v5/types"
)

func TestWithTempDirTakesTMPDIR(t *testing.T) {
	t.Setenv("TMPDIR", "/scratch/tmp")
	got := WithTempDir(nil)
	if got == nil || got.BigFilesTemporaryDir != "/scratch/tmp" {
		t.Fatalf("WithTempDir(nil) = %+v, want BigFilesTemporaryDir from TMPDIR", got)
	}
	in := &types.SystemContext{DockerCertPath: "/certs"}
	got = WithTempDir(in)
	if got.BigFilesTemporaryDir != "/scratch/tmp" || got.DockerCertPath != "/certs" || in.BigFilesTemporaryDir != "" {
		t.Errorf("WithTempDir must copy the context and keep its fields: got %+v, input now %+v", got, in)
	}
	set := &types.SystemContext{BigFilesTemporaryDir: "/chosen"}
	if got := WithTempDir(set); got.BigFilesTemporaryDir != "/chosen" {
		t.Errorf("an explicit BigFilesTemporaryDir was replaced: %q", got.BigFilesTemporaryDir)
	}
}

func TestWithTempDirWithoutTMPDIRKeepsTheDefault(t *testing.T) {
	t.Setenv("TMPDIR", "")
	if got := WithTempDir(nil); got != nil {
		t.Errorf("WithTempDir(nil) without TMPDIR = %+v, want nil (the library's default)", got)
	}
}
