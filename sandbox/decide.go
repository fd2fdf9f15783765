package sandbox

import (
	"errors"
	"fmt"
	"strings"
)

// tiersInOrder lists the tiers strongest first.
var tiersInOrder = []string{TierOCI, TierRootless, TierProot}

// decide picks the tier for mode ("auto" or a forced tier) from facts.
func decide(f facts, mode string) (*state, error) {
	why := map[string]string{TierOCI: f.ociWhy(), TierRootless: f.rootlessWhy(), TierProot: f.prootWhy()}
	s := &state{Causes: causesOf(f), Forced: mode != "auto", Proot: f.prootPath}
	tier := mode
	if mode == "auto" {
		tier = ""
		for _, t := range tiersInOrder {
			if why[t] == "" {
				tier = t
				break
			}
		}
		if tier == "" {
			return nil, fmt.Errorf("no isolation works here (oci: %s; rootless: %s; proot: %s); fix: %s",
				why[TierOCI], why[TierRootless], why[TierProot], fixesOnly(s.Causes))
		}
	} else if why[tier] != "" {
		return nil, forcedError(tier, why[tier], s.Causes)
	}
	s.Isolation = Isolation{Tier: tier, Unavailable: map[string]string{}}
	for _, t := range tiersInOrder {
		if t == tier {
			break
		}
		if why[t] != "" {
			s.Isolation.Unavailable[t] = why[t]
		}
	}
	switch tier {
	case TierOCI:
		s.Isolation.SharedProc, s.NoPivot = f.oci.proc != nil, f.oci.pivot != nil
	case TierRootless:
		s.Isolation.SharedProc, s.NoPivot = f.userns.proc != nil, f.userns.pivot != nil
		s.KeepRoot = f.euid == 0
		s.MapIssue = mapIssue(s.Causes)
	}
	return s, nil
}

// forcedError: a forced tier that cannot work fails with its cause and fix.
func forcedError(tier, why string, cs []Cause) error {
	msg := fmt.Sprintf("--isolation %s is not possible here: %s", tier, why)
	if fixes := causeFixes(cs); fixes != "" {
		msg += "; " + fixes
	}
	if tier != TierProot {
		msg += "; or let stagebox choose with --isolation auto"
	}
	return errors.New(msg)
}

// fixesOnly joins the fixes of cs, without repeating the causes.
func fixesOnly(cs []Cause) string {
	var fixes []string
	for _, c := range cs {
		fixes = append(fixes, c.Fix)
	}
	return strings.Join(fixes, "; or ")
}

// mapIssue is why newuidmap cannot be used, for the single-id fallback's
// warning line, or "".
func mapIssue(cs []Cause) string {
	for _, c := range cs {
		switch c.ID {
		case "no-new-privs", "newuidmap-setuid", "subid-outside-map":
			return c.Message + "; fix: " + c.Fix
		}
	}
	return ""
}
