package stages

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLineEventsKeepLinesWhole(t *testing.T) {
	var got []string
	l := newLineEvents(func(line string) { got = append(got, line) })
	l.Write([]byte("one\ntw"))
	l.Write([]byte("o\r\n10%\r50%\r100%\nthree"))
	if want := "one|two|100%"; strings.Join(got, "|") != want {
		t.Fatalf("before close: %q, want %q", got, want)
	}
	l.Close()
	if want := "one|two|100%|three"; strings.Join(got, "|") != want {
		t.Fatalf("after close: %q, want %q", got, want)
	}
}

func TestPlainProgressNamesParallelStagesAndTimesSteps(t *testing.T) {
	var out bytes.Buffer
	p := NewPlainProgress(&out)
	step := Event{Stage: 2, Stages: 3, Step: 4, Steps: 6, Label: "builder", Instruction: "RUN make"}
	at := func(t EventType, f func(*Event)) Event {
		e := step
		e.Type = t
		f(&e)
		return e
	}
	for _, e := range []Event{
		{Type: BuildStart, Stages: 3, Parallel: true},
		at(StepStart, func(*Event) {}),
		at(StepOutput, func(e *Event) { e.Line = "compiling" }),
		{Type: StepOutput, Line: "Copying blob 1234"},
		at(StepEnd, func(e *Event) { e.Duration = 1234 * time.Millisecond }),
		at(StepEnd, func(e *Event) { e.Cached = true }),
		at(StepEnd, func(e *Event) { e.Error = "Dockerfile:3: RUN exited with status 1"; e.Duration = 50 * time.Millisecond }),
		{Type: StepNote, Line: "COMMIT app"},
		{Type: BuildEnd, Duration: 3 * time.Second},
	} {
		p.Event(e)
	}
	want := "[2/3] STEP 4/6: RUN make\n[builder] compiling\nCopying blob 1234\n[2/3] STEP 4/6: done in 1.2s\n" +
		"[2/3] STEP 4/6: CACHED, done in 0.0s\n[2/3] STEP 4/6: failed after 0.1s\nCOMMIT app\nBuild done in 3.0s\n"
	if out.String() != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestTTYProgressCollapsesFinishedSteps(t *testing.T) {
	var out bytes.Buffer
	p := NewTTYProgress(&out, func() int { return 40 })
	step := Event{Stage: 1, Stages: 1, Step: 2, Steps: 2, Instruction: "RUN make"}
	step.Type = StepStart
	p.Event(step)
	step.Type, step.Line = StepOutput, "a line far longer than the forty columns of this terminal\x1b[31m"
	p.Event(step)
	step.Type, step.Cached, step.Duration = StepEnd, true, 1200*time.Millisecond
	p.Event(step)
	got := out.String()
	if !strings.Contains(got, "\x1b[1A\x1b[J✔ [1/1] STEP 2/2 CACHED RUN make 1.2s\n") {
		t.Errorf("no collapsed ✔ line redrawn in place:\n%q", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if n := len([]rune(l)); n > 40+len("\x1b[1A\x1b[J") || strings.Contains(l, "\x1b[31m") {
			t.Errorf("line %q is wider than the terminal or carries the RUN's escape sequence", l)
		}
	}
}

// TestProgressNamesThePlatform: in a several-platform build the same
// stage runs once per platform at once; plain lines say which platform
// (BuildKit's `[linux/arm64 2/3]`), and the live view keeps one line each.
func TestProgressNamesThePlatform(t *testing.T) {
	var plain bytes.Buffer
	p := NewPlainProgress(&plain)
	var live bytes.Buffer
	tty := NewTTYProgress(&live, func() int { return 80 })
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		e := Event{Type: StepStart, Stage: 2, Stages: 3, Step: 3, Steps: 4, Label: "build", Instruction: "RUN make", Platform: platform}
		for _, r := range []Progress{p, tty} {
			r.Event(e)
			r.Event(Event{Type: StepOutput, Stage: 2, Label: "build", Line: "ok", Platform: platform})
		}
	}
	p.Event(Event{Type: StepOutput, Line: "Copying blob 1234", Platform: "linux/arm64"})
	want := "[linux/amd64 2/3] STEP 3/4: RUN make\n[linux/amd64 build] ok\n[linux/arm64 2/3] STEP 3/4: RUN make\n[linux/arm64 build] ok\n[linux/arm64] Copying blob 1234\n"
	if plain.String() != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", plain.String(), want)
	}
	screen := live.String()
	last := screen[strings.LastIndex(screen, "\x1b[J")+len("\x1b[J"):]
	if !strings.Contains(last, "[linux/amd64 2/3] STEP 3/4 RUN make") || !strings.Contains(last, "[linux/arm64 2/3] STEP 3/4 RUN make") {
		t.Errorf("the live view lost one platform's running step:\n%q", last)
	}
}
