package unpack

import (
	"bytes"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/types"
)

func TestProgressLinesOnePerBlob(t *testing.T) {
	var out bytes.Buffer
	opts, finish := CopyOptions(nil, &out)
	if opts.Progress == nil || opts.ProgressInterval <= 0 {
		t.Fatal("a writer that is not a terminal gets no progress channel")
	}
	layer := types.BlobInfo{Digest: digest.FromString("layer"), MediaType: "application/vnd.oci.image.layer.v1.tar+gzip"}
	config := types.BlobInfo{Digest: digest.FromString("config"), MediaType: "application/vnd.oci.image.config.v1+json"}
	skipped := types.BlobInfo{Digest: digest.FromString("skipped")}
	opts.Progress <- types.ProgressProperties{Event: types.ProgressEventNewArtifact, Artifact: layer}
	opts.Progress <- types.ProgressProperties{Event: types.ProgressEventRead, Artifact: layer, Offset: 1 << 20}
	opts.Progress <- types.ProgressProperties{Event: types.ProgressEventDone, Artifact: layer, Offset: 3 << 20}
	opts.Progress <- types.ProgressProperties{Event: types.ProgressEventNewArtifact, Artifact: config}
	opts.Progress <- types.ProgressProperties{Event: types.ProgressEventDone, Artifact: config, Offset: 800}
	opts.Progress <- types.ProgressProperties{Event: types.ProgressEventSkipped, Artifact: skipped}
	finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"Copying blob " + layer.Digest.Encoded()[:12] + " 3MiB done",
		"Copying config " + config.Digest.Encoded()[:12] + " 800B done",
		"Copying blob " + skipped.Digest.Encoded()[:12] + " skipped: already exists",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with %q", i, lines[i], w)
		}
	}
}

func TestProgressQuietWithoutAWriter(t *testing.T) {
	opts, finish := CopyOptions(nil, nil)
	defer finish()
	if opts.Progress != nil || opts.ReportWriter == nil {
		t.Errorf("nil writer: Progress %v, ReportWriter %v; want no channel and a discarding writer", opts.Progress, opts.ReportWriter)
	}
}
