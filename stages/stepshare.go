package stages

import (
	"fmt"

	"github.com/stagebox/stagebox/unpack"
)

// Steps shared among the platforms of a several-platform build, and the
// cache key part that keeps the platforms' own steps apart.

// stepOutcome is what a filesystem step left: its sealed layer, or none
// when it changed nothing; platform is the target of the build that ran it.
type stepOutcome struct {
	layer    string
	changed  bool
	platform string
}

// outcome is a step's outcome before it runs: made for the build's target.
func (st *stageState) outcome() stepOutcome {
	return stepOutcome{platform: unpack.PlatformString(st.b.opts.targetPlatform())}
}

// shareStep runs a filesystem step that missed the cache, unless another
// platform's build runs or ran the same key (b.steps), and stacks its
// layer on the stage: the one run makes, or the one the other build made.
func (st *stageState) shareStep(text, parent, key string, run func() (stepOutcome, error)) error {
	out, shared, err := st.b.steps.do(st.ctx, key, run)
	if err != nil {
		return sharedFailure(shared, out, err)
	}
	if shared {
		st.detail = nil
		st.hit("--> Using the layer the same step made for %s", out.platform)
	}
	if !out.changed {
		st.addHistoryText(text, true)
		return nil
	}
	st.top, st.key, st.pending, st.base = out.layer, key, nil, nil
	st.addHistoryText(text, false)
	if !shared {
		st.share(out.layer, key, parent)
	}
	return nil
}

// sharedStepError is a step another platform's build was running for
// this one and that failed there: that build reports the failure, named
// for its platform, and this one only says it could not go on.
type sharedStepError struct {
	platform string
	err      error
}

func (e *sharedStepError) Error() string {
	return fmt.Sprintf("the same step failed for %s: %v", e.platform, e.err)
}

func (e *sharedStepError) Unwrap() error { return e.err }

// sharedFailure is the error of a step that failed: its own, or, when
// another platform's build ran it, one saying so.
func sharedFailure(shared bool, out stepOutcome, err error) error {
	if !shared || out.platform == "" {
		return err // its own, or a wait the build's end cut short
	}
	return &sharedStepError{platform: out.platform, err: err}
}

// stepParts completes a filesystem step's key parts with what every step
// depends on besides its own inputs: the rewritten file times, and the
// platform the stage builds for. With the platform in every key, a COPY
// or ADD for amd64 and for arm64 never share an entry, even on scratch,
// while a $BUILDPLATFORM stage, the host's in every target's graph, has
// the same keys for all of them and is cached once.
func (st *stageState) stepParts(parts []string) []string {
	return append(append(parts, st.b.timesKey()...), st.platformPart())
}

// platformPart is the key part naming the stage's platform.
func (st *stageState) platformPart() string {
	return "platform=" + unpack.PlatformString(st.platform)
}
