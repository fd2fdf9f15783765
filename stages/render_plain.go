package stages

import (
	"fmt"
	"io"
	"sync"
)

// plainProgress writes buildah's step lines, every message and every line
// RUN prints, each step's duration when it ends and the build's total: the
// output for logs and pipes.
type plainProgress struct {
	mu       sync.Mutex
	w        io.Writer
	parallel bool
}

// NewPlainProgress renders a build's events as plain lines on w.
func NewPlainProgress(w io.Writer) Progress { return &plainProgress{w: w} }

func (p *plainProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Type {
	case BuildStart:
		p.parallel = e.Parallel
	case StepStart:
		fmt.Fprintf(p.w, "%s: %s\n", e.StepLabel(), e.Instruction)
	case StepOutput:
		if p.parallel && e.Stage > 0 || e.Platform != "" {
			// Stages running at once interleave by line; say whose it is.
			fmt.Fprintf(p.w, "[%s] ", e.Source())
		}
		fmt.Fprintln(p.w, e.Line)
	case StepNote:
		if e.Platform != "" {
			fmt.Fprintf(p.w, "[%s] ", e.Source()) // platforms always run at once
		}
		fmt.Fprintln(p.w, e.Line)
	case StepEnd:
		fmt.Fprintf(p.w, "%s: %s\n", e.StepLabel(), endText(e))
	case BuildEnd:
		if e.Error == "" {
			fmt.Fprintf(p.w, "Build done in %s\n", FormatDuration(e.Duration))
		}
	}
}

// endText says how a step ended: `done in 1.2s`, `CACHED, done in 0.0s`
// or `failed after 1.2s`.
func endText(e Event) string {
	switch {
	case e.Error != "":
		return "failed after " + FormatDuration(e.Duration)
	case e.Cached:
		return "CACHED, done in " + FormatDuration(e.Duration)
	}
	return "done in " + FormatDuration(e.Duration)
}
