package stages

import (
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/layers"
)

func TestSquashHistoryLeavesOneLayerEntryAfterTheBase(t *testing.T) {
	cfg := layers.ImageSpec{}
	cfg.History = []ocispec.History{{}, {EmptyLayer: true}, {}, {}, {EmptyLayer: true}}
	squashHistory(&cfg, 2)
	var got []bool
	for _, h := range cfg.History {
		got = append(got, h.EmptyLayer)
	}
	want := []bool{false, true, true, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("empty_layer = %v, want %v", got, want)
		}
	}
}
