package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stagebox/stagebox/stages"
	"github.com/stagebox/stagebox/unpack"
)

// validateBudValues checks the values that would otherwise fail only at the
// end of a build (a bad -t at commit, an --iidfile in a missing directory),
// so a typo costs milliseconds and the error names the flag, not the
// Dockerfile.
func validateBudValues(o stages.Options) error {
	for _, t := range o.Tags {
		if _, err := unpack.NormalizeName(t); err != nil {
			return fmt.Errorf("-t %q: %s", t, strings.TrimPrefix(err.Error(), fmt.Sprintf("invalid image name %q: ", t)))
		}
	}
	if o.Jobs < 0 {
		return fmt.Errorf("--jobs %d: use a positive number, or 0 for every stage that is ready", o.Jobs)
	}
	if o.IIDFile != "" {
		if err := dirExists(o.IIDFile); err != nil {
			return fmt.Errorf("--iidfile %q: %w", o.IIDFile, err)
		}
	}
	return nil
}

// dirExists reports an error when the directory that would hold file is
// missing or not a directory.
func dirExists(file string) error {
	dir := filepath.Dir(file)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}
