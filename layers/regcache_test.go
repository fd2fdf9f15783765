package layers

import (
	"encoding/json"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
)

func TestParseCacheRepoWantsARepositoryWithoutTag(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:5000/cache", "docker://registry.example.com/team/cache", "quay.io/a/b"} {
		if _, err := ParseCacheRepo(ok); err != nil {
			t.Errorf("ParseCacheRepo(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"127.0.0.1:5000/cache:v1", "quay.io/a/b@sha256:" + strings.Repeat("0", 64), "UPPER/case"} {
		if _, err := ParseCacheRepo(bad); err == nil {
			t.Errorf("ParseCacheRepo(%q) accepted it", bad)
		}
	}
}

// TestCacheEntryRoundTrip: the manifest publish writes is what a lookup
// reads back, without the config (a lookup never fetches a blob).
func TestCacheEntryRoundTrip(t *testing.T) {
	c, err := NewRegistryCache("127.0.0.1:5000/cache", unpack.RegistryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key, parent := strings.Repeat("a", 64), strings.Repeat("b", 64)
	diffID := digest.FromString("diff")
	layer := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: digest.FromString("blob"), Size: 42,
		Annotations: map[string]string{annotationDiffID: diffID.String()}}
	raw, _ := json.Marshal(entryManifest(ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromString("cfg")}, layer, CacheStep{Key: key, Parent: parent}))
	e, err := c.parseEntry(key, raw)
	if err != nil {
		t.Fatal(err)
	}
	if e.Key != key || e.Parent != parent || e.DiffID != diffID || e.Layer.Digest != layer.Digest || e.Layer.Size != 42 {
		t.Errorf("read back %+v", e)
	}
	if _, err := c.parseEntry(strings.Repeat("c", 64), raw); err == nil {
		t.Errorf("an entry was accepted under another key")
	}
	if ref, _ := c.ref(key); !strings.HasSuffix(ref.StringWithinTransport(), ":sb-"+key) {
		t.Errorf("entry tag %s, want REPO:sb-<key>", ref.StringWithinTransport())
	}
}

func TestEntryConfigIsAValidImageConfig(t *testing.T) {
	diffID := digest.FromString("diff")
	raw, err := entryConfig(diffID, CacheStep{Key: "k", Parent: "p", History: ocispec.History{CreatedBy: "RUN x"}})
	if err != nil {
		t.Fatal(err)
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != diffID || len(cfg.History) != 1 || cfg.History[0].CreatedBy != "RUN x" || cfg.OS == "" {
		t.Errorf("config %s", raw)
	}
}
