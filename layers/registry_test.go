package layers

import (
	"context"
	"os"
	"testing"

	"github.com/stagebox/stagebox/unpack"
)

// TestPushCommittedImageToRegistry needs a registry: set
// STAGEBOX_TEST_REGISTRY=host:port (and, for plain HTTP, mark it insecure
// in a registries.conf named by CONTAINERS_REGISTRIES_CONF).
func TestPushCommittedImageToRegistry(t *testing.T) {
	reg := os.Getenv("STAGEBOX_TEST_REGISTRY")
	if reg == "" {
		t.Skip("STAGEBOX_TEST_REGISTRY not set")
	}
	st := testStore(t)
	ctx := context.Background()
	pullBase(t, st)
	base, err := st.Image("base")
	must(t, err)
	top := buildChain(t, st, base.TopLayer, true)
	id, err := st.Commit(ctx, top, withHistory(base.Config, 2), []string{"pushed"})
	must(t, err)
	must(t, st.Push(ctx, "pushed", "docker://"+reg+"/stagebox/pushed:1"))

	fresh := testStore(t)
	got, err := (&unpack.Puller{Store: fresh.Storage()}).Pull(ctx, reg+"/stagebox/pushed:1", unpack.PullAlways)
	must(t, err)
	if got != id {
		t.Errorf("pulled back image %s, pushed %s", got, id)
	}
}
