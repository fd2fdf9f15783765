package stages

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Error is a build failure tied to a place in the Dockerfile. Its text is
// the one line a user sees: `Dockerfile:7: COPY: "x": no such file ...`.
type Error struct {
	File        string // the Dockerfile's name as the user gave it
	Line        int    // 1-based; 0 when the failure has no line
	Instruction string // upper-case instruction name, or ""
	Err         error
	Platform    string // the target platform of a several-platform build that failed, or ""
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Platform != "" {
		b.WriteString("[" + e.Platform + "] ")
	}
	if e.Instruction != "" {
		b.WriteString(e.Instruction + ": ")
	}
	b.WriteString(printable(oneLine(e.Err.Error())))
	return b.String()
}

// Unwrap gives errors.Is/As access to the cause (context.Canceled above all).
func (e *Error) Unwrap() error { return e.Err }

// oneLine keeps error output to a single line: library errors sometimes
// carry newlines (multi-error joins) that would break the one-line contract.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// maxExcerpt bounds how much Dockerfile text an error repeats: a garbage
// "instruction" can be a 64 KiB line.
const maxExcerpt = 60

// excerpt is Dockerfile text fit for a one-line message: printable, and
// cut short.
func excerpt(s string) string {
	s = printable(s)
	if r := []rune(s); len(r) > maxExcerpt {
		return string(r[:maxExcerpt]) + "..."
	}
	return s
}

// printable escapes what must not reach a terminal from a Dockerfile or a
// context: invalid UTF-8 (binary garbage fed as a Dockerfile) and control
// characters (an escape sequence in a file name would drive the terminal).
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case !unicode.IsPrint(r) && r != ' ':
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// parseFailure turns BuildKit's parser errors into an *Error with the line
// the parser recorded, stripping its own "dockerfile parse error on line N"
// prefix since our prefix already says where.
func parseFailure(file string, err error) error {
	line := 0
	var loc *parser.LocationError
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 {
		line = loc.Locations[0][0].Start.Line
	}
	var unknown *instructions.UnknownInstructionError
	if errors.As(err, &unknown) {
		return &Error{File: file, Line: unknown.Line, Err: fmt.Errorf("unknown instruction: %s", excerpt(strings.ToUpper(unknown.Instruction)))}
	}
	msg := err.Error()
	if i := strings.Index(msg, "dockerfile parse error on line "); i >= 0 {
		rest := msg[i+len("dockerfile parse error on line "):]
		if j := strings.Index(rest, ": "); j >= 0 {
			if line == 0 {
				fmt.Sscanf(rest[:j], "%d", &line)
			}
			msg = rest[j+2:]
		}
	}
	return &Error{File: file, Line: line, Err: errors.New(msg)}
}

// at wraps err with the location of cmd unless it already carries one.
func at(file string, cmd instructions.Command, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{File: file, Line: startLine(cmd.Location()), Instruction: strings.ToUpper(cmd.Name()), Err: err}
}

func startLine(r []parser.Range) int {
	if len(r) == 0 {
		return 0
	}
	return r[0].Start.Line
}
