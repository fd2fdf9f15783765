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
