package sandbox

import "github.com/sirupsen/logrus"

// oomCountWarning is what libcontainer logs whenever a container fails to
// start where no memory cgroup is ours (every rootless RUN): it asks the
// cgroup how many OOM kills happened, and there is no cgroup to ask. The
// user then saw that warning above the real error, breaking the one-line
// error every failure owes them.
const oomCountWarning = "unable to get oom kill count"

// quietFormatter drops that one warning unless debugging.
type quietFormatter struct{ logrus.Formatter }

func (f quietFormatter) Format(e *logrus.Entry) ([]byte, error) {
	if e.Level == logrus.WarnLevel && e.Message == oomCountWarning && !e.Logger.IsLevelEnabled(logrus.DebugLevel) {
		return nil, nil
	}
	return f.Formatter.Format(e)
}

func init() {
	logrus.SetFormatter(quietFormatter{logrus.StandardLogger().Formatter})
}
