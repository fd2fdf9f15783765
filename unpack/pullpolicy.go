package unpack

import (
	"fmt"
	"strings"
)

// PullPolicy says when a base image is fetched instead of taken from local
// storage.
type PullPolicy int

const (
	// PullMissing pulls only images not already in local storage.
	PullMissing PullPolicy = iota
	// PullAlways pulls every time, so a moved tag is picked up.
	PullAlways
	// PullNever uses local storage only and fails when the image is absent.
	PullNever
)

// ParsePullPolicy accepts buildah's --pull values: "missing" (also
// "ifmissing", "false"), "always" (also "true", "newer", "ifnewer") and
// "never". "" is the default, missing.
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch strings.ToLower(s) {
	case "", "missing", "ifmissing", "false":
		return PullMissing, nil
	case "always", "true", "newer", "ifnewer":
		return PullAlways, nil
	case "never":
		return PullNever, nil
	}
	return 0, fmt.Errorf("invalid pull policy %q: use missing, always or never", s)
}

// String gives the policy's --pull spelling.
func (p PullPolicy) String() string {
	switch p {
	case PullAlways:
		return "always"
	case PullNever:
		return "never"
	default:
		return "missing"
	}
}
