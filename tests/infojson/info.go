// Package infojson is the part of `stagebox info --json` the end-to-end
// suites (tests/e2e and the Docker-matrix tests/e2e/lockdown) check: the
// isolation tier and the causes found, read into one shape for both.
package infojson

// Info is `stagebox info --json`, the fields the tests read.
type Info struct {
	Isolation Isolation `json:"isolation"`
	Causes    []Cause   `json:"causes"`
}

// Isolation is the tier chosen and why the others are not possible.
type Isolation struct {
	Tier        string            `json:"tier"`
	SharedProc  bool              `json:"sharedProc"`
	Line        string            `json:"line"`
	Unavailable map[string]string `json:"unavailable"`
}

// Cause is one problem info found, with its fix.
type Cause struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// CauseIDs lists the IDs of the causes, in order.
func (i Info) CauseIDs() []string {
	var ids []string
	for _, c := range i.Causes {
		ids = append(ids, c.ID)
	}
	return ids
}

// Cause returns the cause with the given ID.
func (i Info) Cause(id string) (Cause, bool) {
	for _, c := range i.Causes {
		if c.ID == id {
			return c, true
		}
	}
	return Cause{}, false
}
