package transfer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"path/filepath"
	"testing"
)

// FuzzDecode: any awslogs.data either decodes to a valid delivery that
// renders to exactly one line per event, or fails with a *PayloadError. It
// never panics.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"account_policy", "linux_secure", "control_message"} {
		f.Add(wire(f, readFile(f, filepath.Join("testdata", name+".json"))).AWSLogs.Data)
	}
	f.Add("")
	f.Add("H4sIAAAAAAAA")
	f.Fuzz(func(t *testing.T, data string) {
		d, err := Decode(data)
		if err != nil {
			var pe *PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a PayloadError", err)
			}
			return
		}
		if d.MessageType != DataMessage || len(d.LogEvents) == 0 {
			return
		}
		obj, err := render(d, testRegion, gzip.NewWriter(nil))
		if err != nil {
			t.Fatalf("render of a valid delivery: %v", err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(obj.Body))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(body, []byte("\n")); n != len(d.LogEvents) || int64(len(body)) != obj.RawBytes {
			t.Fatalf("%d lines / %d bytes for %d events / %d counted bytes", n, len(body), len(d.LogEvents), obj.RawBytes)
		}
	})
}
