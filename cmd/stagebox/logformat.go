package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sirupsen/logrus"
)

// plainFormatter gives warnings and notices stagebox's one voice
// (`warning: ...`) instead of logrus' `time=... level=... msg=...`, which
// stays for --log-level debug, where the timestamps help. It wraps the
// formatter already set so that the filters below it (sandbox drops known
// noise) still apply.
type plainFormatter struct{ inner logrus.Formatter }

func (f plainFormatter) Format(e *logrus.Entry) ([]byte, error) {
	out, err := f.inner.Format(e)
	if err != nil || out == nil || e.Logger.IsLevelEnabled(logrus.DebugLevel) {
		return out, err
	}
	var b strings.Builder
	switch e.Level {
	case logrus.InfoLevel:
	case logrus.WarnLevel:
		b.WriteString("warning: ")
	default:
		b.WriteString("error: ")
	}
	b.WriteString(e.Message)
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, e.Data[k])
	}
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

// usePlainLogs installs plainFormatter once.
func usePlainLogs() {
	if _, ok := logrus.StandardLogger().Formatter.(plainFormatter); !ok {
		logrus.SetFormatter(plainFormatter{inner: logrus.StandardLogger().Formatter})
	}
}
