package unpack

import (
	"errors"
	"fmt"
	"io/fs"

	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/configfile"
)

// PolicyContext returns the signature policy to check images against:
// the user's or the system's policy.json (containers-policy.json(5)) when
// one exists, else accept-anything, because air-gapped build hosts rarely
// carry one and refusing every image there helps no one.
func PolicyContext() (*signature.PolicyContext, error) {
	return PolicyContextFor(nil)
}

// PolicyContextFor is PolicyContext for sys: its SignaturePolicyPath
// (--signature-policy) and RootForImplicitAbsolutePaths are honoured.
func PolicyContextFor(sys *types.SystemContext) (*signature.PolicyContext, error) {
	policy, err := signature.DefaultPolicy(sys)
	if errors.Is(err, configfile.ErrConfigFileNotFound) || errors.Is(err, fs.ErrNotExist) {
		policy = &signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}}
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the signature policy (policy.json): %w", err)
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return nil, fmt.Errorf("loading the signature policy: %w", err)
	}
	return pc, nil
}
