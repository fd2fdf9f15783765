package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/layers"
)

func TestParseOutputSpellings(t *testing.T) {
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	for spec, want := range map[string]layers.Output{
		"out":                       {Type: "local", Dest: abs("out")},
		"type=local,dest=/tmp/x":    {Type: "local", Dest: "/tmp/x"},
		"type=tar,dest=-":           {Type: "tar", Dest: "-"},
		"type=tar,dest=files.tar":   {Type: "tar", Dest: abs("files.tar")},
		"dest=/a.tar,type=oci":      {Type: "oci", Dest: "/a.tar"},
		"type=docker,dest=/img.tar": {Type: "docker", Dest: "/img.tar"},
	} {
		got, err := parseOutput(spec)
		if err != nil || got.Type != want.Type || got.Dest != want.Dest {
			t.Errorf("parseOutput(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
}

func TestParseOutputRefusesWhatItCannotWrite(t *testing.T) {
	for spec, msg := range map[string]string{
		"type=zip,dest=x":         `unknown type "zip"`,
		"type=tar":                "no dest",
		"type=oci,dest=-":         "dest=- (stdout) is for type=tar",
		"type=tar,dest=x,level=9": `unknown key "level"`,
	} {
		_, err := parseOutput(spec)
		if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("parseOutput(%q) = %v, want one line saying %q", spec, err, msg)
		}
	}
}
