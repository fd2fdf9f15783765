package stages

import (
	"strings"
	"testing"
)

// validateOf plans src as newBuilder does, without a store, and validates it.
func validateOf(t *testing.T, src string, contexts map[string]string) error {
	t.Helper()
	p, nodes, err := graphOf(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &builder{plan: p, nodes: nodes}
	b.assignPlatforms()
	if b.contexts, err = parseBuildContexts(contexts); err != nil {
		t.Fatal(err)
	}
	b.applyContexts()
	tgt, err := p.target("")
	if err != nil {
		t.Fatal(err)
	}
	b.order = needed(nodes, tgt)
	return b.validate()
}

func TestValidateNamesTheFirstRefusalInFileOrder(t *testing.T) {
	src := `FROM a AS one
RUN true
ADD --keep-git-dir=true local.txt /r
FROM --platform=linux/s390x a AS two
RUN --security=insecure true
FROM a
COPY --from=two /x /x
COPY --from=one /y /y
`
	err := validateOf(t, src, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "Dockerfile:3: ADD: ") || !strings.Contains(err.Error(), "git") {
		t.Fatalf("err = %v, want line 3's git source", err)
	}
}

func TestValidateSkipsStagesThatDoNotRun(t *testing.T) {
	src := "FROM --platform=linux/s390x a AS unused\nADD https://example.com/r.git /r\nFROM a AS replaced\nRUN --security=insecure true\nFROM a\nCOPY --from=replaced /x /x\n"
	if err := validateOf(t, src, map[string]string{"replaced": "docker-image://b"}); err != nil {
		t.Fatalf("err = %v, want none: one stage is not needed, the other replaced by a context", err)
	}
}

func TestAddRefusals(t *testing.T) {
	cases := map[string]string{
		"ADD https://example.com/repo.git /r\n":                      "",
		"ADD git@example.com:org/repo /r\n":                          "",
		"ADD --keep-git-dir=true https://example.com/r.git /r\n":     "",
		"ADD git@example.com:org/repo local.txt /r/\n":               "only source",
		"ADD --keep-git-dir=true local.txt /r\n":                     "only to a git source",
		"ADD --checksum=sha256:00 local.txt /x\n":                    "--checksum applies only to URL or git sources",
		"ADD https://example.com/a local.txt /x/\n":                  "cannot mix URLs",
		"ADD --checksum=sha256:00 ${URL} /x\n":                       "",
		"ADD https://example.com/file.tar.gz /x\n":                   "",
		"ADD --checksum=sha256:00 https://example.com/file.txt /x\n": "",
		"ADD --checksum=0123abc git@example.com:org/repo /r\n":       "",
	}
	for line, want := range cases {
		err := validateOf(t, "FROM a\n"+line, nil)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: err = %v, want %q", strings.TrimSpace(line), err, want)
		}
	}
}

func TestChownNumericUIDAloneGivesGIDEqualUID(t *testing.T) {
	o, err := chownOwner(t.TempDir(), "4321")
	if err != nil || o.UID != 4321 || o.GID != 4321 {
		t.Fatalf("chownOwner(4321) = %+v, %v", o, err)
	}
	o, err = chownOwner(t.TempDir(), "4321:7")
	if err != nil || o.UID != 4321 || o.GID != 7 {
		t.Fatalf("chownOwner(4321:7) = %+v, %v", o, err)
	}
}
