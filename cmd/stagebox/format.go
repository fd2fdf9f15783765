package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	return enc.Encode(v)
}

// newTemplate parses a --format template with the functions docker's and
// podman's templates have most often: json, upper, lower, join.
func newTemplate(format string) (*template.Template, error) {
	tmpl, err := template.New("format").Funcs(template.FuncMap{
		"json":  func(v any) (string, error) { b, err := json.Marshal(v); return string(b), err },
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"join":  strings.Join,
	}).Parse(format)
	if err != nil {
		return nil, errTemplate(err)
	}
	return tmpl, nil
}

// executeLine writes v through tmpl, ending the line if tmpl did not.
func executeLine(w io.Writer, tmpl *template.Template, v any) error {
	var b strings.Builder
	if err := tmpl.Execute(&b, v); err != nil {
		return errTemplate(err)
	}
	s := b.String()
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	_, err := io.WriteString(w, s)
	return err
}

// writeTemplate prints v through a --format template.
func writeTemplate(w io.Writer, format string, v any) error {
	tmpl, err := newTemplate(format)
	if err != nil {
		return err
	}
	return executeLine(w, tmpl, v)
}

// errTemplate wraps a template failure as a --format error.
func errTemplate(err error) error { return fmt.Errorf("--format: %w", err) }
