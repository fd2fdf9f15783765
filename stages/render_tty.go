package stages

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// ttyProgress draws a live view on a terminal, as BuildKit's tty mode:
// one line per running stage (its step, the time it has run and the last
// line it printed), redrawn in place; a finished step collapses to one
// `✔ [2/3] STEP 4/6 RUN ... 1.2s` line above them, a failed one to `✘ ...`
// followed by its last lines of output.
type ttyProgress struct {
	mu      sync.Mutex
	w       io.Writer
	width   func() int
	running map[ttyKey]*ttyStep // by platform and stage number
	drawn   int                 // lines of the live area now on the screen
	stop    chan struct{}
	tick    time.Duration
}

// ttyKey is a running stage: a stage number is one per platform.
type ttyKey struct {
	platform string
	stage    int
}

func keyOf(e Event) ttyKey { return ttyKey{e.Platform, e.Stage} }

// ttyStep is a running step as the live area shows it.
type ttyStep struct {
	ev      Event
	started time.Time
	tail    []string // its last lines of output, shown if it fails
}

// ttyTail is how many lines of a failed step's output stay on the screen.
const ttyTail = 10

// NewTTYProgress renders a build's events as a live view on the terminal
// w; width reports the terminal's columns (asked at every redraw, so a
// resized window is followed).
func NewTTYProgress(w io.Writer, width func() int) Progress {
	return &ttyProgress{w: w, width: width, running: map[ttyKey]*ttyStep{}, tick: 200 * time.Millisecond}
}

func (p *ttyProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var done []string
	switch e.Type {
	case BuildStart:
		if p.stop == nil {
			p.stop = make(chan struct{})
			go p.ticker(p.stop)
		}
	case StepStart:
		p.running[keyOf(e)] = &ttyStep{ev: e, started: time.Now()}
	case StepOutput, StepNote:
		s := p.running[keyOf(e)]
		if e.Stage == 0 || s == nil {
			done = append(done, e.Line)
			break
		}
		s.tail = append(s.tail, e.Line)
		if len(s.tail) > ttyTail {
			s.tail = s.tail[1:]
		}
	case StepEnd:
		done = p.collapse(e)
		delete(p.running, keyOf(e))
	case BuildEnd:
		if e.Error == "" {
			done = append(done, "Build done in "+FormatDuration(e.Duration))
		}
		if p.stop != nil {
			close(p.stop)
			p.stop = nil
		}
	}
	p.redraw(done)
}

// collapse is the line a finished step leaves, with a failed step's tail.
func (p *ttyProgress) collapse(e Event) []string {
	mark, what := "✔", e.Instruction
	if e.Cached {
		what = "CACHED " + what
	}
	if e.Error != "" {
		mark = "✘"
	}
	out := []string{fmt.Sprintf("%s %s %s %s", mark, e.StepLabel(), what, FormatDuration(e.Duration))}
	if s := p.running[keyOf(e)]; s != nil && e.Error != "" {
		for _, l := range s.tail {
			out = append(out, "  │ "+l)
		}
	}
	return out
}

func (p *ttyProgress) ticker(stop chan struct{}) {
	t := time.NewTicker(p.tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.redraw(nil)
			p.mu.Unlock()
		}
	}
}

// redraw erases the live area, prints done lines for good and draws the
// live area again below them.
func (p *ttyProgress) redraw(done []string) {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\x1b[J", p.drawn)
	}
	width := p.width()
	for _, l := range done {
		b.WriteString(fit(l, width) + "\n")
	}
	stages := make([]ttyKey, 0, len(p.running))
	for n := range p.running {
		stages = append(stages, n)
	}
	sort.Slice(stages, func(i, j int) bool {
		a, b := stages[i], stages[j]
		return a.platform < b.platform || a.platform == b.platform && a.stage < b.stage
	})
	for _, n := range stages {
		b.WriteString(fit(p.running[n].line(), width) + "\n")
	}
	p.drawn = len(stages)
	io.WriteString(p.w, b.String())
}

// line is a running step's live line: step, elapsed time, last output.
func (s *ttyStep) line() string {
	l := fmt.Sprintf("%s %s %s", s.ev.StepLabel(), s.ev.Instruction, FormatDuration(time.Since(s.started)))
	if len(s.tail) > 0 {
		l += " │ " + s.tail[len(s.tail)-1]
	}
	return l
}

// fit makes s one screen line: control characters (a RUN's own escape
// sequences, tabs) become spaces and it is cut to the width, so the live
// area's line count stays what redraw counted.
func fit(s string, width int) string {
	if width <= 1 {
		width = 80
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if unicode.IsControl(r) {
			r = ' '
		}
		if len(out) == width-1 {
			break
		}
		out = append(out, r)
	}
	return string(out)
}
