package web

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// TestFormRoundTrip checks that every entry of the FAQ comes back unchanged from the
// edit form, so saving a form nobody touched changes nothing.
func TestFormRoundTrip(t *testing.T) {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		v := knowledge.VersionOf(e)
		r := httptest.NewRequest("POST", "/entries/"+e.ID, strings.NewReader(formValues(e, v).Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got, f := readForm(r)
		if knowledge.VersionOf(got) != v || f.Base != v {
			t.Errorf("%s: the form gives back\n%s\nwant\n%s", e.ID, knowledge.Format(got), knowledge.Format(e))
		}
	}
}

func TestDiffLines(t *testing.T) {
	for _, tc := range []struct {
		a, b []string
		want string
	}{
		{nil, nil, ""},
		{[]string{"x"}, []string{"x"}, "=x"},
		{nil, []string{"x", "y"}, "+x +y"},
		{[]string{"x", "y"}, nil, "-x -y"},
		{[]string{"a", "b", "c"}, []string{"a", "c", "d"}, "=a -b =c +d"},
		{[]string{"a", "b"}, []string{"b", "a"}, "+b =a -b"},
	} {
		var parts []string
		for _, l := range diffLines(tc.a, tc.b) {
			parts = append(parts, map[string]string{"keep": "=", "ins": "+", "del": "-"}[l.Op]+l.Text)
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("diffLines(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzDiffLines checks that a diff's kept and removed lines are the old text and its
// kept and added lines the new one, and that it keeps as many lines as can be kept.
func FuzzDiffLines(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "x")
	f.Add("same\nsame", "same")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, b := strings.Split(x, "\n"), strings.Split(y, "\n")
		if len(a) > 200 || len(b) > 200 {
			return
		}
		var old, new []string
		kept := 0
		for _, l := range diffLines(a, b) {
			switch l.Op {
			case "keep":
				old, new = append(old, l.Text), append(new, l.Text)
				kept++
			case "del":
				old = append(old, l.Text)
			case "ins":
				new = append(new, l.Text)
			}
		}
		if !slices.Equal(old, a) || !slices.Equal(new, b) {
			t.Fatalf("diff of %q and %q rebuilds %q and %q", a, b, old, new)
		}
		if a[0] == b[0] && kept == 0 {
			t.Fatalf("diff of %q and %q keeps nothing", a, b)
		}
	})
}

func TestDiffEntriesNamesChangedFields(t *testing.T) {
	a := knowledge.Entry{ID: "x", Question: "Q?", Answer: "one\ntwo", Caveats: []string{"c"}, Updated: "2026-01-01"}
	b := a
	b.Answer = "one\nthree"
	b.Tags = []string{"t"}
	var fields []string
	for _, d := range diffEntries(a, b) {
		fields = append(fields, d.Field)
	}
	if !slices.Equal(fields, []string{"answer", "tags"}) {
		t.Errorf("changed fields %v, want answer and tags", fields)
	}
}
