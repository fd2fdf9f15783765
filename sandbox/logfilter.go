package sandbox

import (
	"strings"

	"github.com/sirupsen/logrus"
)

// oomCountWarning is what libcontainer logs whenever a container fails to
// start where no memory cgroup is ours (every rootless RUN): it asks the
// cgroup how many OOM kills happened, and there is no cgroup to ask. The
// user then saw that warning above the real error, breaking the one-line
// error every failure owes them.
const oomCountWarning = "unable to get oom kill count"

// noPIDNamespaceWarning is what libcontainer logs for every RUN of the
// shared /proc tier (no cgroup, no PID namespace), which the isolation
// line already announced once.
const noPIDNamespaceWarning = "Creating a rootless container with no cgroup and no private pid namespace"

// quietFormatter drops those warnings unless debugging.
type quietFormatter struct{ logrus.Formatter }

func (f quietFormatter) Format(e *logrus.Entry) ([]byte, error) {
	known := e.Message == oomCountWarning || strings.HasPrefix(e.Message, noPIDNamespaceWarning)
	if e.Level == logrus.WarnLevel && known && !e.Logger.IsLevelEnabled(logrus.DebugLevel) {
		return nil, nil
	}
	return f.Formatter.Format(e)
}

func init() {
	logrus.SetFormatter(quietFormatter{logrus.StandardLogger().Formatter})
}
