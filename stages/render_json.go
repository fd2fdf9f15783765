package stages

import (
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// jsonProgress writes one JSON object per event and line (`--progress
// rawjson`), for tools: the Event fields, with durations in seconds.
type jsonProgress struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewJSONProgress renders a build's events as JSON lines on w.
func NewJSONProgress(w io.Writer) Progress {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // output lines as they were, `-->` not `--\u003e`
	return &jsonProgress{enc: enc}
}

// jsonEvent is an Event as rawjson writes it.
type jsonEvent struct {
	Event
	Duration *float64 `json:"duration,omitempty"` // seconds; step-end and build-end only
	Cached   *bool    `json:"cached,omitempty"`   // step-end only, false included
}

func (p *jsonProgress) Event(e Event) {
	out := jsonEvent{Event: e}
	out.Line = strings.TrimPrefix(e.Line, "--> ") // a note's plain-text arrow
	if e.Type == StepEnd || e.Type == BuildEnd {
		s := e.Duration.Seconds()
		out.Duration = &s
	}
	if e.Type == StepEnd {
		out.Cached = &e.Cached
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.enc.Encode(out) // a reader that went away must not fail the build
}
