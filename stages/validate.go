package stages

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// validate refuses, before any step runs, what stagebox does not do, naming
// the first offending line in file order among the stages the build runs:
// a refusal found only when its step is reached would come after minutes
// of earlier steps, and with stages running in parallel a later line could
// be named first.
func (b *builder) validate() error {
	run := map[*Stage]bool{}
	for _, s := range b.order {
		run[s] = true
	}
	for _, s := range b.plan.Stages {
		if !run[s] || b.nodes[s].context != nil {
			continue // not run, or replaced by a --build-context
		}
		if err := b.nodes[s].refusal; err != nil {
			return err
		}
		for _, c := range s.Commands {
			if err := refusal(c); err != nil {
				return at(b.plan.File, c, err)
			}
		}
	}
	return nil
}

// refusal is why stagebox refuses cmd, or nil.
func refusal(cmd instructions.Command) error {
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		if err := runFlagRefusal(c); err != nil {
			return err
		}
		if line := c.ShellDependantCmdLine; len(c.Files) > 0 && (len(line.CmdLine) != 1 || !line.PrependShell) {
			return fmt.Errorf("heredoc in exec form is not supported: use the shell form")
		}
	case *instructions.AddCommand:
		return addRefusal(c, false)
	}
	return nil
}

// addRefusal checks ADD's sources and flags: a git repository is ADD's
// only source (never downloaded as a plain file), --keep-git-dir needs
// one, --checksum needs URLs or a git source, and URLs do not mix with
// local files in one ADD. Before expansion (expanded false) a source
// naming a variable may still become a URL, so only what its text already
// shows is judged.
func addRefusal(c *instructions.AddCommand, expanded bool) error {
	urls, gits := 0, 0
	for _, s := range c.SourcePaths {
		if !expanded && strings.Contains(s, "$") {
			return nil
		}
		switch {
		case isGitSource(s):
			gits++
		case isURL(s):
			urls++
		}
	}
	switch {
	case gits > 0 && len(c.SourcePaths) > 1:
		return fmt.Errorf("a git repository must be ADD's only source: use one ADD per repository, and another for other files")
	case gits > 0:
		_, err := needGit(c.SourcePaths[0])
		return err
	case c.KeepGitDir != nil:
		return fmt.Errorf("--keep-git-dir applies only to a git source (git@host:repo, https://host/repo.git#ref): drop it")
	case c.Checksum != "" && (urls == 0 || urls != len(c.SourcePaths)):
		return fmt.Errorf("--checksum applies only to URL or git sources: give ADD only URLs, or drop --checksum")
	case urls > 0 && urls != len(c.SourcePaths):
		return fmt.Errorf("ADD cannot mix URLs and local files: split it into two ADD instructions")
	}
	return nil
}

// isGitSource follows BuildKit: git@host:repo, git:// and ssh:// URLs, and
// http(s) URLs whose path ends in ".git", are git repositories.
func isGitSource(src string) bool {
	ref, isGit, err := dfgitutil.ParseGitRef(src)
	return isGit && (err != nil || !ref.IndistinguishableFromLocal)
}

// isURL reports an http(s) source, which ADD downloads.
func isURL(s string) bool {
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && !isGitSource(s)
}
