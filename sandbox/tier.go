package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
)

// Tier names, strongest first (docs/contracts.md, design.md §5a).
const (
	// TierOCI is libcontainer as real root with the host's full namespaces.
	TierOCI = "oci"
	// TierRootless is libcontainer inside a user namespace: a non-root
	// user's subordinate ranges, or root without CAP_SYS_ADMIN keeping its
	// own id range.
	TierRootless = "rootless"
	// TierProot is Debian's proot (ptrace path translation), no namespaces.
	TierProot = "proot"
)

// isolationEnv carries the parent's choice (and what its probes found) to
// the re-executed child, which runs inside the namespaces the choice
// asked for and could not probe the host from there.
const isolationEnv = "_STAGEBOX_ISOLATION"

// Isolation is the tier a build uses and why no stronger one.
type Isolation struct {
	Tier        string            `json:"tier"`
	SharedProc  bool              `json:"sharedProc"`
	Line        string            `json:"line"`
	Unavailable map[string]string `json:"unavailable"`
}

// state is everything the probes decided, passed down through isolationEnv.
type state struct {
	Isolation Isolation `json:"isolation"`
	Forced    bool      `json:"forced"`
	NoPivot   bool      `json:"noPivot"`  // pivot_root refused: MS_MOVE + chroot
	KeepRoot  bool      `json:"keepRoot"` // root entering a user namespace with its own ids
	Proot     string    `json:"proot"`    // the proot binary (proot tier)
	MapIssue  string    `json:"mapIssue"` // newuidmap cannot be used here: why (with its fix)
	Causes    []Cause   `json:"causes"`   // everything the probes found wrong
}

// ParseIsolation checks a --isolation value; "" means auto.
func ParseIsolation(s string) (string, error) {
	switch s {
	case "", "auto":
		return "auto", nil
	case TierOCI, TierRootless, TierProot:
		return s, nil
	}
	return "", fmt.Errorf("--isolation %q: use auto, oci, rootless or proot", s)
}

var (
	chosenMu sync.Mutex
	chosen   *state
)

// ChooseIsolation probes the host and picks the strongest tier it allows,
// or the forced one: "oci" and "rootless" never fall back (the error names
// the cause and the fix), "proot" needs a proot binary. storeDir is the
// store's graph root, probed for what breaks overlay there. In a child
// re-executed by EnterUserNamespace it returns the parent's choice. The
// choice holds for this process: EnterUserNamespace and Run follow it.
func ChooseIsolation(forced, storeDir string) (Isolation, error) {
	chosenMu.Lock()
	defer chosenMu.Unlock()
	if chosen != nil {
		return chosen.Isolation, nil
	}
	if s, ok := inherited(); ok {
		chosen = s
		return s.Isolation, nil
	}
	mode, err := ParseIsolation(forced)
	if err != nil {
		return Isolation{}, err
	}
	key := ""
	if memoDir != "" {
		key = fingerprint(mode, storeDir)
	}
	s, kept := loadChoice(key)
	if !kept {
		f := gatherFacts(mode, storeDir)
		if s, err = decide(f, mode); err != nil {
			return Isolation{}, err
		}
		saveChoice(key, s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return Isolation{}, err
	}
	os.Setenv(isolationEnv, string(b))
	chosen = s
	return s.Isolation, nil
}

func inherited() (*state, bool) {
	v := os.Getenv(isolationEnv)
	if v == "" {
		return nil, false
	}
	var s state
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil, false
	}
	return &s, true
}

// current is the choice in effect; auto when nobody chose yet (tests that
// call EnterUserNamespace directly).
func current() *state {
	chosenMu.Lock()
	s := chosen
	chosenMu.Unlock()
	if s != nil {
		return s
	}
	if _, err := ChooseIsolation("auto", ""); err != nil {
		return &state{Isolation: Isolation{Tier: TierRootless}}
	}
	chosenMu.Lock()
	defer chosenMu.Unlock()
	return chosen
}

// Causes lists what the probes found wrong, each with its fix.
func Causes() []Cause {
	return append([]Cause{}, current().Causes...)
}

// Announce completes the isolation line with the storage the build uses
// ("native overlay", "fuse-overlayfs", "vfs") and returns it; bud and run
// print it once on stderr.
func Announce(storage string) string {
	s := current()
	chosenMu.Lock()
	defer chosenMu.Unlock()
	parts := []string{lineFor(s)}
	if storage != "" {
		parts = append(parts, storage)
	}
	if extra := extraFor(s); extra != "" {
		parts = append(parts, extra)
	}
	s.Isolation.Line = strings.Join(parts, ", ")
	return s.Isolation.Line
}

// Current returns the isolation in effect, its line as Announce made it.
func Current() Isolation {
	return current().Isolation
}

func lineFor(s *state) string {
	switch {
	case s.Isolation.Tier == TierOCI:
		return "isolation: root, full namespaces"
	case s.Isolation.Tier == TierRootless && s.KeepRoot && s.Forced:
		return "isolation: user namespace keeping root's ids (forced by --isolation)"
	case s.Isolation.Tier == TierRootless && s.KeepRoot:
		return "isolation: user namespace keeping root's ids (root here has no CAP_SYS_ADMIN)"
	case s.Isolation.Tier == TierRootless:
		return "isolation: rootless user namespace"
	case s.Forced:
		return "isolation: proot (forced by --isolation): RUN shares the host's PID and network namespaces"
	}
	return "isolation: proot, no user namespaces allowed here: RUN shares the container's PID and network namespaces"
}

func extraFor(s *state) string {
	var extra []string
	if s.Isolation.SharedProc {
		extra = append(extra, "shared /proc: the container masks /proc paths, RUN has no PID namespace")
	}
	if s.NoPivot && s.Isolation.Tier != TierProot {
		extra = append(extra, "pivot_root refused: RUN enters its root by MS_MOVE and chroot")
	}
	return strings.Join(extra, ", ")
}

// IsProot reports whether RUN goes through proot in this process.
func IsProot() bool { return current().Isolation.Tier == TierProot }

// Diagnose probes the host and lists every cause found, even when no tier
// can work (what `info` reports then).
func Diagnose(storeDir string) []Cause {
	return causesOf(gatherFacts("auto", storeDir))
}
