package layers

import "strings"

// oneLine flattens a (possibly joined) error into one line for messages
// that must stay on a single line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}
