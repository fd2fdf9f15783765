package main

import (
	"bytes"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestPlainFormatterSpeaksOneVoice(t *testing.T) {
	var out bytes.Buffer
	l := logrus.New()
	l.SetOutput(&out)
	l.SetFormatter(plainFormatter{inner: &logrus.TextFormatter{DisableColors: true}})
	l.Warnf("build argument %q was not consumed", "NOTUSED")
	l.WithField("layer", "abc").Error("gone")
	want := "warning: build argument \"NOTUSED\" was not consumed\nerror: gone layer=abc\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	out.Reset()
	l.SetLevel(logrus.DebugLevel)
	l.Warn("x")
	if !bytes.Contains(out.Bytes(), []byte("level=warning")) {
		t.Errorf("at debug level, want logrus' own format: %q", out.String())
	}
}
