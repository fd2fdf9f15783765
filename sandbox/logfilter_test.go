package sandbox

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestOOMCountWarningIsDroppedUnlessDebugging(t *testing.T) {
	var out bytes.Buffer
	l := logrus.New()
	l.SetOutput(&out)
	l.SetFormatter(quietFormatter{l.Formatter})
	l.SetLevel(logrus.WarnLevel)
	l.WithError(errors.New("no directory specified for memory.oom_control")).Warn(oomCountWarning)
	if out.Len() != 0 {
		t.Errorf("the warning was printed: %q", out.String())
	}
	l.Warn("another warning")
	if out.Len() == 0 {
		t.Error("other warnings were dropped too")
	}
	out.Reset()
	l.SetLevel(logrus.DebugLevel)
	l.Warn(oomCountWarning)
	if out.Len() == 0 {
		t.Error("the warning was dropped at debug level")
	}
}
