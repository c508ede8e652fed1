package knowledge

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary files to the parser: it must never panic, must report
// every failure as an *Error, and anything it accepts and validates must survive a
// Format/Parse round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add(Format(sample()))
	f.Add([]byte("---\nid: x\n---\n"))
	f.Add([]byte("---\nid: [\n---\n"))
	f.Add([]byte("---\r\nid: a\r\nquestion: q?\r\n---\r\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f.md", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if Validate([]File{file}) != nil {
			return
		}
		again, err := Parse("f.md", Format(file.Entry))
		if err != nil {
			t.Fatalf("re-parsing a valid entry: %v", err)
		}
		if !reflect.DeepEqual(again.Entry, file.Entry) {
			t.Fatalf("round trip changed the entry:\n%+v\n%+v", file.Entry, again.Entry)
		}
	})
}
