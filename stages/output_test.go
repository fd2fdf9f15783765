package stages

import (
	"bytes"
	"testing"
)

func TestLinePrefixerKeepsLinesWhole(t *testing.T) {
	var out bytes.Buffer
	l := newLinePrefixer(&out, "[a] ")
	l.Write([]byte("one\ntw"))
	l.Write([]byte("o\nthree"))
	if got := out.String(); got != "[a] one\n[a] two\n" {
		t.Fatalf("before close: %q", got)
	}
	l.Close()
	if got := out.String(); got != "[a] one\n[a] two\n[a] three\n" {
		t.Fatalf("after close: %q", got)
	}
}
