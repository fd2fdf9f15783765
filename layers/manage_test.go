package layers

import (
	"context"
	"slices"
	"testing"
)

func TestTagAndRemoveFollowPodmanRules(t *testing.T) {
	st := testStore(t)
	id, err := st.Commit(context.Background(), "", ImageSpec{}, []string{"one"})
	must(t, err)
	must(t, st.Tag("one", "two", "quay.io/x/y:1"))
	img, err := st.Image(id[:12])
	must(t, err)
	if byDigest, err := st.Image("sha256:" + id); err != nil || byDigest.ID != id {
		t.Errorf("Image(sha256:ID) = %v, %v", byDigest, err)
	}
	want := []string{"localhost/one:latest", "localhost/two:latest", "quay.io/x/y:1"}
	slices.Sort(img.Names)
	if !slices.Equal(img.Names, want) {
		t.Fatalf("names = %v, want %v", img.Names, want)
	}

	if _, err := st.Remove(id, false); err == nil {
		t.Fatalf("removing an image with several names by ID without force succeeded")
	}
	removed, err := st.Remove("two", false)
	must(t, err)
	if removed != "" {
		t.Errorf("removing one of several names deleted image %s", removed)
	}
	if _, err := st.Image("two"); err == nil {
		t.Errorf("name two still resolves after untagging")
	}
	removed, err = st.Remove(id, true)
	must(t, err)
	if removed != id {
		t.Errorf("Remove(id, force) = %s, want %s", removed, id)
	}
	if imgs, _ := st.Images(); len(imgs) != 0 {
		t.Errorf("%d images left after removal", len(imgs))
	}
}

func TestTagMovesNameFromOtherImage(t *testing.T) {
	st := testStore(t)
	first, err := st.Commit(context.Background(), "", withHistory(ImageSpec{}, 0), []string{"app"})
	must(t, err)
	second, err := st.Commit(context.Background(), "", ImageSpec{}, nil)
	must(t, err)
	if first == second {
		t.Fatal("two commits with different configs got one ID")
	}
	must(t, st.Tag(second, "app"))
	img, err := st.Image("app")
	must(t, err)
	if img.ID != second {
		t.Errorf("app = %s, want %s", img.ID, second)
	}
	imgs, err := st.Images()
	must(t, err)
	if len(imgs) != 2 {
		t.Errorf("Images() = %d images, want 2", len(imgs))
	}
}
