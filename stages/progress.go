package stages

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Progress receives a build's events as they happen, from every stage's
// goroutine at once; cmd chooses the renderer (plain lines, a live
// terminal view, JSON lines). Event must not block for long.
type Progress interface {
	Event(e Event)
}

// EventType says what an Event reports.
type EventType string

// The events of a build, in the order a step produces them.
const (
	BuildStart EventType = "build-start" // Stages: how many the Dockerfile has
	StepStart  EventType = "step-start"  // a step begins: Stage, Step, Steps, Instruction
	StepOutput EventType = "output"      // one line a RUN (or a pull, Stage 0) printed
	StepNote   EventType = "note"        // a build message (`--> Using cache ...`, `COMMIT ...`)
	StepEnd    EventType = "step-end"    // a step ended: Cached, Duration, Error
	BuildEnd   EventType = "build-end"   // Duration, ImageID or Error
)

// Event is one thing that happened in a build. Stage and Step count from 1;
// 0 means the event belongs to the build rather than to one step.
type Event struct {
	Type        EventType     `json:"type"`
	Stage       int           `json:"stage,omitempty"`
	Stages      int           `json:"stages,omitempty"`
	StageName   string        `json:"stageName,omitempty"`
	Step        int           `json:"step,omitempty"`
	Steps       int           `json:"steps,omitempty"`
	Instruction string        `json:"instruction,omitempty"`
	Line        string        `json:"line,omitempty"`
	Cached      bool          `json:"cached,omitempty"`
	Duration    time.Duration `json:"-"`
	Error       string        `json:"error,omitempty"`
	ImageID     string        `json:"imageID,omitempty"`
	Parallel    bool          `json:"-"`                  // BuildStart: stages may run at once (plain output names them)
	Label       string        `json:"-"`                  // the stage's name or number, for prefixes
	Platform    string        `json:"platform,omitempty"` // the target platform, in a several-platform build
}

// StepLabel is `[2/3] STEP 4/6`, buildah's numbering of a step, and
// `[linux/arm64 2/3] STEP 4/6` in a several-platform build, as BuildKit
// names a platform's steps.
func (e Event) StepLabel() string {
	if e.Platform != "" {
		return fmt.Sprintf("[%s %d/%d] STEP %d/%d", e.Platform, e.Stage, e.Stages, e.Step, e.Steps)
	}
	return fmt.Sprintf("[%d/%d] STEP %d/%d", e.Stage, e.Stages, e.Step, e.Steps)
}

// Source is whose line an output or note event is, for a prefix: the
// stage (`build`), the platform (`linux/arm64`, a pull's line), or both.
func (e Event) Source() string {
	switch {
	case e.Platform == "":
		return e.Label
	case e.Stage == 0:
		return e.Platform
	}
	return e.Platform + " " + e.Label
}

// FormatDuration is how every renderer writes a duration: seconds with
// one decimal, as BuildKit does.
func FormatDuration(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// progressFunc adapts a function to Progress.
type progressFunc func(Event)

func (f progressFunc) Event(e Event) { f(e) }

// stepClock is the step a stage is on, so its end can be reported with
// its duration when the next one starts or the stage ends.
type stepClock struct {
	ev      Event
	started time.Time
	cached  bool
	open    bool
}

// lineEvents turns what a process writes into one event per line; a
// partial line waits for its newline (or Close). Carriage returns keep the
// text after the last one, as a terminal would show it.
type lineEvents struct {
	mu   sync.Mutex
	emit func(line string)
	buf  []byte
}

func newLineEvents(emit func(line string)) *lineEvents { return &lineEvents{emit: emit} }

func (l *lineEvents) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.send(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

// Close sends a trailing partial line.
func (l *lineEvents) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.send(l.buf)
		l.buf = nil
	}
	return nil
}

func (l *lineEvents) send(line []byte) {
	s := strings.TrimRight(string(line), "\r")
	if i := strings.LastIndexByte(s, '\r'); i >= 0 {
		s = s[i+1:]
	}
	l.emit(s)
}
