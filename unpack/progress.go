package unpack

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docker/go-units"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/types"
	"golang.org/x/term"
)

// CopyOptions is the copy.Options every pull and push uses: sys on both
// sides, and progress on w. On a terminal containers/image draws a bar per
// layer with sizes and speed (mpb, as podman shows it); elsewhere (a CI
// log) each layer gets one line when it is done, with its size and speed.
// nil w is quiet. Call the returned func once the copy has returned.
func CopyOptions(sys *types.SystemContext, w io.Writer) (*copy.Options, func()) {
	o := &copy.Options{SourceCtx: sys, DestinationCtx: sys, ReportWriter: io.Discard}
	if w == nil {
		return o, func() {}
	}
	if isTerminal(w) {
		o.ReportWriter = w
		return o, func() {}
	}
	ch := make(chan types.ProgressProperties)
	o.Progress, o.ProgressInterval = ch, time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		reportLines(w, ch)
	}()
	return o, func() {
		close(ch)
		<-done
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// reportLines prints one line per finished or skipped artifact of ch.
func reportLines(w io.Writer, ch <-chan types.ProgressProperties) {
	started := map[string]time.Time{}
	for p := range ch {
		d := p.Artifact.Digest.String()
		switch p.Event {
		case types.ProgressEventNewArtifact:
			started[d] = time.Now()
		case types.ProgressEventSkipped:
			fmt.Fprintf(w, "Copying %s %s skipped: already exists\n", kind(p.Artifact), short(d))
		case types.ProgressEventDone:
			fmt.Fprintln(w, doneLine(p, time.Since(started[d])))
		}
	}
}

// doneLine is "Copying blob 0123456789ab 12.3MiB done in 1.2s (10.2MiB/s)".
func doneLine(p types.ProgressProperties, took time.Duration) string {
	size := int64(p.Offset)
	line := fmt.Sprintf("Copying %s %s %s done", kind(p.Artifact), short(p.Artifact.Digest.String()), units.BytesSize(float64(size)))
	if took > 0 {
		line += fmt.Sprintf(" in %s (%s/s)", took.Round(time.Millisecond), units.BytesSize(float64(size)/took.Seconds()))
	}
	return line
}

// kind says "config" for an image config and "blob" for a layer, as
// containers/image's own lines do.
func kind(b types.BlobInfo) string {
	if strings.Contains(b.MediaType, "config") {
		return "config"
	}
	return "blob"
}

// short is the first 12 hex digits of a digest.
func short(d string) string {
	_, hex, _ := strings.Cut(d, ":")
	if len(hex) > 12 {
		return hex[:12]
	}
	return hex
}
