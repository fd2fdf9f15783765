package e2e

import "testing"

func TestDockerfileSyntax(t *testing.T) {
	runScenarios(t, []scenario{{
		name: "heredocs in RUN and COPY",
		dockerfile: `FROM busybox
RUN <<EOF
echo line1 > /heredoc-run
echo line2 >> /heredoc-run
EOF
COPY <<EOF /heredoc-file
hello from a heredoc
EOF
RUN cat <<EOT > /heredoc-stdin
piped
EOT
COPY --chmod=0755 <<-"EOF" /script.sh
	#!/bin/sh
	echo $NOT_EXPANDED
	EOF
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/heredoc-run", "line1\nline2\n")
			wantFile(t, b.files, "/heredoc-file", "hello from a heredoc\n")
			wantFile(t, b.files, "/heredoc-stdin", "piped\n")
			wantFile(t, b.files, "/script.sh", "#!/bin/sh\necho $NOT_EXPANDED\n")
			wantMode(t, b.files, "/script.sh", 0o755)
		},
	}, {
		name: "line continuations, with a comment inside",
		dockerfile: `FROM busybox
RUN echo one \
    two \
# a comment inside the instruction
    three > /cont
ENV A=1 \
    B=2
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/cont", "one two three\n")
			wantEnv(t, b, "A=1")
			wantEnv(t, b, "B=2")
		},
	}, {
		name:       "escape directive: backtick continues lines, backslash is literal",
		dockerfile: "# escape=`\nFROM busybox\nRUN echo 'C:\\dir' `\n    > /escaped\n",
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/escaped", "C:\\dir\n")
		},
	}, {
		name: "lower-case instructions, ENV expanded in later instructions",
		dockerfile: `from busybox
env DIR=/made
workdir $DIR
run touch here
copy --chown=app ${MISSING:-Dockerfile} ${DIR}/Dockerfile.copy
`,
		check: func(t *testing.T, b built) {
			wantPresent(t, b.files, "/made/here")
			wantOwner(t, b.files, "/made/Dockerfile.copy", 1000, 1000)
		},
	}}, nil)
}
