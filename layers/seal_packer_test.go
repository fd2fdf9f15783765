package layers

import (
	"bytes"
	"io"
	"testing"

	"github.com/vbatts/tar-split/archive/tar"
	"github.com/vbatts/tar-split/tar/asm"
	tarsplit "github.com/vbatts/tar-split/tar/storage"
)

// The tar-split a sealed layer keeps must be what tar-split's own packer
// writes, so storage reproduces the layer's tar byte for byte from it.
func TestNamelessPackerWritesTarSplitsJSON(t *testing.T) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, name := range []string{"dir/", "dir/a.txt", "dir/\xff\xfe-not-utf8", "z"} {
		h := &tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(name))}
		if name == "dir/" {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(name))
		}
	}
	tw.Close()
	split := func(p func(io.Writer) tarsplit.Packer) []byte {
		var out bytes.Buffer
		stream, err := asm.NewInputTarStream(bytes.NewReader(tb.Bytes()), p(&out), tarsplit.NewDiscardFilePutter())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, stream); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	want := split(tarsplit.NewJSONPacker)
	got := split(func(w io.Writer) tarsplit.Packer { return newNamelessPacker(w) })
	if !bytes.Equal(got, want) {
		t.Fatalf("tar-split differs:\n got %s\nwant %s", got, want)
	}
	if !bytes.Contains(got, []byte(`"name_raw"`)) {
		t.Fatalf("the name that is not UTF-8 was not kept raw: %s", got)
	}
}
