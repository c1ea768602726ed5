package logs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryTypeHasFixtures: every registered type has at least one good
// golden case and one bad* case, each with its expected output, and no
// expected file is left without its input.
func TestEveryTypeHasFixtures(t *testing.T) {
	for _, typ := range Names() {
		t.Run(typ, func(t *testing.T) {
			cases := fixtureCases(t, typ)
			var good, bad int
			inputs := map[string]bool{}
			for _, c := range cases {
				if inputs[c.name] {
					t.Errorf("two inputs for case %q", c.name)
				}
				inputs[c.name] = true
				if c.bad() {
					bad++
				} else {
					good++
				}
				if _, err := os.Stat(c.expected); err != nil {
					t.Errorf("case %s has no expected output: %v", c.name, err)
				}
			}
			if good == 0 {
				t.Errorf("no good fixture in testdata/%s", typ)
			}
			if bad == 0 {
				t.Errorf("no bad* fixture in testdata/%s", typ)
			}
			expected, _ := filepath.Glob(filepath.Join("testdata", typ, "*"+expectedSuffix))
			for _, e := range expected {
				if name := strings.TrimSuffix(filepath.Base(e), expectedSuffix); !inputs[name] {
					t.Errorf("%s has no input", e)
				}
			}
		})
	}
}
