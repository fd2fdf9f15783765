package stages

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"unknown instruction", "FROM busybox\nRUN true\nFROBNICATE x\n", "Dockerfile:3: unknown instruction: FROBNICATE"},
		{"empty file", "", "Dockerfile: "},
		{"no FROM", "RUN true\n", "Dockerfile:1: "},
		{"exec form of non-strings", "FROM a\nCMD [\"a\", 1]\n", "Dockerfile:2: "},
		{"one 1 MiB line", strings.Repeat("x", 1<<20), "Dockerfile:1: line is 1048576 bytes long, longer than the 65535 bytes a Dockerfile line may have"},
		{"a long third line", "FROM a\nRUN true\nRUN " + strings.Repeat("y", 70000) + "\n", "Dockerfile:3: line is 70004 bytes long"},
		{"binary garbage", "FROM a\n\x00\x01\x02", "NUL bytes"},
		{"unterminated heredoc", "FROM a\nRUN <<EOF\necho hi\n", "Dockerfile:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseDockerfile("Dockerfile", []byte(c.src))
			if err == nil {
				if c.name == "unterminated heredoc" {
					t.Skip("BuildKit's parser accepts a heredoc ended by EOF")
				}
				t.Fatalf("no error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q does not contain %q on one line", err, c.want)
			}
		})
	}
}

// Invalid JSON is shell form, as in docker, with one warning line naming
// the line (BuildKit's JSONArgsRecommended wording).
func TestParseInvalidJSONIsShellFormWithAWarning(t *testing.T) {
	p, err := ParseDockerfile("Dockerfile", []byte("FROM a\nRUN [\"echo\", 'x']\nCMD [\"echo\", 'x']\nENTRYPOINT ['a']\nCMD [\"ok\"]\nRUN [ -f /x ] || true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 3 {
		t.Fatalf("warnings = %q, want 3", p.Warnings)
	}
	for i, want := range []string{"Dockerfile:2: RUN: JSON arguments recommended for RUN", "Dockerfile:3: CMD: JSON arguments recommended for CMD", "Dockerfile:4: ENTRYPOINT: "} {
		if !strings.HasPrefix(p.Warnings[i], want) || strings.Contains(p.Warnings[i], "\n") {
			t.Errorf("warning %d = %q, want it to start %q", i, p.Warnings[i], want)
		}
	}
}

func TestParseStagesNamesLowerCaseAndLines(t *testing.T) {
	p, err := ParseDockerfile("Dockerfile", []byte("FROM a AS Builder\nRUN x\n\nFROM scratch\nCOPY --from=BUILDER /x /x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stages) != 2 || p.Stages[0].Name != "builder" || p.Stages[1].Line != 4 {
		t.Fatalf("stages = %+v %+v", p.Stages[0], p.Stages[1])
	}
	if s, ok := p.lookup("Builder", 1); !ok || s != p.Stages[0] {
		t.Fatal("case-insensitive lookup failed")
	}
	if s, ok := p.lookup("0", 1); !ok || s != p.Stages[0] {
		t.Fatal("lookup by index failed")
	}
}

func graphOf(t *testing.T, src string, build map[string]string) (*Plan, map[*Stage]*node, error) {
	t.Helper()
	p, err := ParseDockerfile("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	lex := shell.NewLex(p.Escape)
	g, err := globalArgs(p.MetaArgs, newBuildArgs(build), lex)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := p.graph(g, lex)
	return p, nodes, err
}

func TestGraphSkipsStagesTheTargetDoesNotNeed(t *testing.T) {
	src := "FROM a AS base\nFROM a AS unused\nRUN false\nFROM base AS mid\nFROM scratch\nCOPY --from=mid /x /x\nCOPY --from=0 /y /y\n"
	p, nodes, err := graphOf(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	tgt, _ := p.target("")
	var names []string
	for _, s := range needed(nodes, tgt) {
		names = append(names, s.Label())
	}
	if got := strings.Join(names, ","); got != "base,mid,3" {
		t.Fatalf("needed = %s", got)
	}
	tgt, err = p.target("unused")
	if err != nil || len(needed(nodes, tgt)) != 1 {
		t.Fatalf("--target unused: %v", err)
	}
	if _, err := p.target("nope"); err == nil {
		t.Fatal("unknown --target accepted")
	}
}

func TestGraphRejectsForwardReferences(t *testing.T) {
	for _, src := range []string{
		"FROM a AS one\nCOPY --from=two /x /x\nFROM a AS two\n",
		"FROM a AS one\nCOPY --from=one /x /x\n",
	} {
		_, _, err := graphOf(t, src, nil)
		if err == nil || !strings.Contains(err.Error(), "circular") || !strings.Contains(err.Error(), "Dockerfile:2") {
			t.Fatalf("%q: err = %v", src, err)
		}
	}
}

func TestGraphExpandsFromWithGlobalArgs(t *testing.T) {
	_, nodes, err := graphOf(t, "ARG BASE=busybox\nARG TAG\nFROM ${BASE}:${TAG:-1}\n", map[string]string{"TAG": "2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.base != "busybox:2" {
			t.Fatalf("base = %q", n.base)
		}
	}
}

func TestValidateRefusesForeignPlatform(t *testing.T) {
	err := validateOf(t, "FROM --platform=linux/s390x a\n", nil)
	if err == nil || !strings.Contains(err.Error(), "Dockerfile:1: FROM: --platform=linux/s390x") {
		t.Fatalf("err = %v", err)
	}
}

// TestOverlongLineIsReportedOnItsLine: BuildKit's parser says line 1
// whatever line is too long.
func TestOverlongLineIsReportedOnItsLine(t *testing.T) {
	src := "FROM busybox\nRUN true\nRUN echo " + strings.Repeat("A", 1<<20) + "\n"
	_, err := ParseDockerfile("Dockerfile", []byte(src))
	if err == nil || !strings.HasPrefix(err.Error(), "Dockerfile:3: ") || len(err.Error()) > 200 {
		t.Errorf("1 MiB line 3: %.300v", err)
	}
}

// TestErrorsQuoteGarbageShortAndPrintable: an unknown "instruction" is
// echoed, and binary garbage or a 60 KiB word must not reach the terminal.
func TestErrorsQuoteGarbageShortAndPrintable(t *testing.T) {
	for name, src := range map[string]string{
		"binary":  "\x7fELF\x02\x01\x01\xff\xfe\x1b[31m garbage\n",
		"long":    "FROM a\n" + strings.Repeat("X", 60000) + "\n",
		"escapes": "FROM a\nRUN\x1b]0;title\x07 x\n",
	} {
		_, err := ParseDockerfile("Dockerfile", []byte(src))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		msg := err.Error()
		if len(msg) > 200 || !utf8.ValidString(msg) || strings.ContainsFunc(msg, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Errorf("%s: error not short and printable: %.300q", name, msg)
		}
	}
}
