package stages

import (
	"fmt"
	"time"
)

// The builder's side of Progress: every message of a build becomes an
// event, and every step's start and end are timed here, once, for every
// renderer.

// progress reports one build-level message (`COMMIT ...`) unless --quiet.
func (b *builder) progress(format string, a ...any) {
	b.event(Event{Type: StepNote, Line: fmt.Sprintf(format, a...)})
}

// event hands e to the build's Progress; --quiet has none.
func (b *builder) event(e Event) {
	if b.events != nil {
		b.events.Event(e)
	}
}

// logWriter is where the puller's lines go: build-level output events.
func (b *builder) logWriter() *lineEvents {
	return newLineEvents(func(line string) { b.event(Event{Type: StepOutput, Line: line}) })
}

// progress starts the stage's next step, `[2/3] STEP 4/6: COPY ...` in
// buildah's numbering, ending the one before.
func (st *stageState) progress(format string, a ...any) {
	st.endStep(nil)
	st.step++
	st.clock = stepClock{ev: st.stepEvent(StepStart), started: time.Now(), open: true}
	st.clock.ev.Instruction = fmt.Sprintf(format, a...)
	st.b.event(st.clock.ev)
}

// stepEvent is an event of the stage's current step.
func (st *stageState) stepEvent(t EventType) Event {
	return Event{Type: t, Stage: st.stage.Index + 1, Stages: len(st.b.plan.Stages), StageName: st.stage.Name,
		Step: st.step, Steps: st.steps, Label: st.stage.Label(), Instruction: st.clock.ev.Instruction}
}

// endStep reports the current step's end, with its duration and err.
func (st *stageState) endStep(err error) {
	if !st.clock.open {
		return
	}
	st.clock.open = false
	e := st.stepEvent(StepEnd)
	e.Cached, e.Duration = st.clock.cached, time.Since(st.clock.started)
	if err != nil {
		e.Error = err.Error()
	}
	st.b.event(e)
}

// note reports a message about the current step (`--> Using cache ...`).
func (st *stageState) note(format string, a ...any) {
	e := st.stepEvent(StepNote)
	e.Line = fmt.Sprintf(format, a...)
	st.b.event(e)
}

// hit marks the current step as a cache hit and says which entry.
func (st *stageState) hit(format string, a ...any) {
	st.clock.cached = true
	st.note(format, a...)
}

// output is where the current step's process writes: one event per line.
func (st *stageState) output() *lineEvents {
	e := st.stepEvent(StepOutput)
	return newLineEvents(func(line string) {
		e.Line = line
		st.b.event(e)
	})
}

// buildEnd reports the end of a build with its total duration.
func buildEnd(p Progress, start time.Time, id *string, err *error) {
	if p == nil {
		return
	}
	e := Event{Type: BuildEnd, Duration: time.Since(start), ImageID: *id}
	if *err != nil {
		e.Error = (*err).Error()
	}
	p.Event(e)
}
