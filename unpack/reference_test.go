package unpack

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.podman.io/image/v5/types"
)

func TestParseReferenceTransportsAndPlainNames(t *testing.T) {
	cases := []struct{ in, transport, within string }{
		{"busybox", "docker", "docker.io/library/busybox:latest"},
		{"localhost:5000/x", "docker", "localhost:5000/x:latest"},
		{"quay.io/a/b:1", "docker", "quay.io/a/b:1"},
		{"docker://alpine", "docker", "docker.io/library/alpine:latest"},
		{"oci:/tmp/layout:v1", "oci", "/tmp/layout:v1"},
		{"dir:/tmp/d", "dir", "/tmp/d"},
		{"docker-archive:/tmp/a.tar", "docker-archive", "/tmp/a.tar"},
	}
	for _, c := range cases {
		ref, err := ParseReference(c.in)
		if err != nil {
			t.Errorf("ParseReference(%q): %v", c.in, err)
			continue
		}
		within := ref.StringWithinTransport()
		if named := ref.DockerReference(); named != nil {
			within = named.String()
		}
		if ref.Transport().Name() != c.transport || within != c.within {
			t.Errorf("ParseReference(%q) = %s:%s, want %s:%s", c.in, ref.Transport().Name(), within, c.transport, c.within)
		}
	}
	for _, bad := range []string{"", "UPPER", "docker://"} {
		if _, err := ParseReference(bad); err == nil {
			t.Errorf("ParseReference(%q) succeeded", bad)
		}
	}
}

func TestNormalizeNameAddsLocalhostLikeBuildah(t *testing.T) {
	cases := map[string]string{
		"myimg":                     "localhost/myimg:latest",
		"myimg:1.0":                 "localhost/myimg:1.0",
		"team/app":                  "localhost/team/app:latest",
		"quay.io/a/b":               "quay.io/a/b:latest",
		"localhost/x:2":             "localhost/x:2",
		"docker.io/library/busybox": "docker.io/library/busybox:latest",
		"localhost:5000/x":          "localhost:5000/x:latest",
	}
	for in, want := range cases {
		got, err := NormalizeName(in)
		if err != nil || got != want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeName("x@sha256:0000000000000000000000000000000000000000000000000000000000000000"); err == nil {
		t.Errorf("NormalizeName accepted a digest")
	}
}

// hermeticRegistries points sys at a registries.conf with the given body.
func hermeticRegistries(t *testing.T, body string) *types.SystemContext {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "registries.conf")
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return &types.SystemContext{SystemRegistriesConfPath: conf, SystemRegistriesConfDirPath: filepath.Join(dir, "none")}
}

func TestLocalNamesTriesLocalhostThenRegistries(t *testing.T) {
	sys := hermeticRegistries(t, "")
	got := LocalNames(sys, "busybox")
	want := []string{"busybox", "localhost/busybox:latest", "docker.io/library/busybox:latest"}
	if !slices.Equal(got, want) {
		t.Errorf("LocalNames(busybox) = %v, want %v", got, want)
	}
	got = LocalNames(sys, "quay.io/a/b")
	want = []string{"quay.io/a/b", "quay.io/a/b:latest"}
	if !slices.Equal(got, want) {
		t.Errorf("LocalNames(quay.io/a/b) = %v, want %v", got, want)
	}
}

// TestLocalNameSeqStopsWhereTheCallerStops: LocalNameSeq yields what
// LocalNames lists, and a caller that found the image under an early name
// stops it there (it must not yield on after a break).
func TestLocalNameSeqStopsWhereTheCallerStops(t *testing.T) {
	sys := hermeticRegistries(t, `unqualified-search-registries = ["reg.example"]`)
	for _, name := range []string{"busybox", "tool:2", "quay.io/a/b"} {
		all := slices.Collect(LocalNameSeq(sys, name))
		if want := LocalNames(sys, name); !slices.Equal(all, want) {
			t.Errorf("LocalNameSeq(%s) = %v, want %v", name, all, want)
		}
		for stop := 1; stop <= len(all); stop++ {
			var got []string
			for n := range LocalNameSeq(sys, name) {
				got = append(got, n)
				if len(got) == stop {
					break
				}
			}
			if !slices.Equal(got, all[:stop]) {
				t.Errorf("LocalNameSeq(%s) stopped after %d: %v, want %v", name, stop, got, all[:stop])
			}
		}
	}
}

func TestShortNameCandidatesUseAliasesAndSearchRegistries(t *testing.T) {
	sys := hermeticRegistries(t, `unqualified-search-registries = ["reg.example", "quay.io"]
[aliases]
"tool" = "ghcr.io/org/tool"
`)
	got := names(t, sys, "tool:2")
	want := []string{"ghcr.io/org/tool:2", "reg.example/tool:2", "quay.io/tool:2"}
	if !slices.Equal(got, want) {
		t.Errorf("candidates(tool:2) = %v, want %v", got, want)
	}
	got = names(t, hermeticRegistries(t, ""), "busybox")
	if want := []string{"docker.io/library/busybox:latest"}; !slices.Equal(got, want) {
		t.Errorf("candidates without registries.conf = %v, want Docker Hub %v", got, want)
	}
}

func names(t *testing.T, sys *types.SystemContext, name string) []string {
	t.Helper()
	cands, err := shortNameCandidates(sys, name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cands {
		out = append(out, c.String())
	}
	return out
}
