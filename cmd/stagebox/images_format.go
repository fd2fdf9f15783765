package main

import (
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	units "github.com/docker/go-units"
	"github.com/stagebox/stagebox/layers"
	"go.podman.io/image/v5/docker/reference"
)

// imageRow is one row of `images`: the fields its --format templates
// name, as docker's and podman's (all text, so the heading is a row too).
type imageRow struct {
	ID, Repository, Tag, Digest string
	Created, CreatedSince       string // the same: podman's name and docker's
	CreatedAt, Size             string
}

// imageHeading is the heading row of a `table` format.
var imageHeading = imageRow{ID: "IMAGE ID", Repository: "REPOSITORY", Tag: "TAG", Digest: "DIGEST",
	Created: "CREATED", CreatedSince: "CREATED", CreatedAt: "CREATED AT", Size: "SIZE"}

func newImageRow(img layers.Image, name string, now time.Time, noTrunc bool) imageRow {
	repo, tag := splitName(name)
	since := created(img.Created, now)
	return imageRow{ID: displayID(img.ID, noTrunc), Repository: repo, Tag: tag, Digest: img.Digest.String(),
		Created: since, CreatedSince: since, CreatedAt: img.Created.Format("2006-01-02 15:04:05 -0700 MST"), Size: listOrSize(img)}
}

// listOrSize is the SIZE column: a manifest list (issue 10) says so, its
// images have rows of their own.
func listOrSize(img layers.Image) string {
	if img.List {
		return "manifest list"
	}
	return size(img.Size)
}

// imageFormat is the row template --format and --digests ask for; "" and
// "table" are the default table.
func imageFormat(format string, digests bool) string {
	if format != "" && format != "table" && format != "json" {
		return format
	}
	if digests {
		return `table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`
	}
	return `table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`
}

// rowTemplate is a parsed row format: table ones get a heading and aligned
// columns. A written `\t` is a tab, as docker reads it.
type rowTemplate struct {
	tmpl  *template.Template
	table bool
}

func parseRowTemplate(format string) (rowTemplate, error) {
	body, table := strings.CutPrefix(format, "table ")
	body = strings.ReplaceAll(body, `\t`, "\t")
	tmpl, err := newTemplate(body)
	if err != nil {
		return rowTemplate{}, err
	}
	return rowTemplate{tmpl: tmpl, table: table}, nil
}

// writeRows prints rows through format, one line each.
func writeRows(w io.Writer, format string, rows []imageRow, heading bool) error {
	rt, err := parseRowTemplate(format)
	if err != nil {
		return err
	}
	out := w
	var tw *tabwriter.Writer
	if rt.table {
		tw = tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
		out = tw
		if heading {
			rows = append([]imageRow{imageHeading}, rows...)
		}
	}
	for _, r := range rows {
		if err := executeLine(out, rt.tmpl, r); err != nil {
			return err
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// splitName splits a stored name into repository and tag columns.
func splitName(name string) (repo, tag string) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "<none>", "<none>"
	}
	repo, tag = named.Name(), "<none>"
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	return repo, tag
}

func displayID(id string, noTrunc bool) string {
	if noTrunc || len(id) <= 12 {
		return id
	}
	return id[:12]
}

func created(t, now time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return units.HumanDuration(now.Sub(t)) + " ago"
}

func size(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return units.HumanSizeWithPrecision(float64(n), 3)
}

// imageSummary is one image in `images --format json`.
type imageSummary struct {
	ID      string    `json:"id"`
	Names   []string  `json:"names"`
	Digest  string    `json:"digest"`
	Created time.Time `json:"created"`
	Size    int64     `json:"size"`
}

// imageSummaries lists, once each, the images rows shows.
func imageSummaries(imgs []layers.Image, rows []imageRow) []imageSummary {
	shown := map[string]bool{}
	for _, r := range rows {
		shown[r.ID] = true
	}
	out := make([]imageSummary, 0, len(imgs))
	for _, img := range imgs {
		if shown[img.ID] || shown[displayID(img.ID, false)] {
			out = append(out, imageSummary{ID: img.ID, Names: nonNil(img.Names), Digest: img.Digest.String(), Created: img.Created, Size: img.Size})
		}
	}
	return out
}
