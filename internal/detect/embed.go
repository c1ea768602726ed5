package detect

import (
	"embed"
	"io/fs"
)

// builtinRules is the catalog shipped with orgsiem: one YAML file per rule
// under rules/<group>/<id>.yml.
//
//go:embed rules
var builtinRules embed.FS

// Builtin loads and validates the embedded catalog under the house rules.
// Each call returns a fresh catalog, so SetParameter on one never affects
// another. The rules' inline tests are parsed by Catalog.LoadTests (which
// RunTests calls), not at start: they are most of the catalog's bytes.
func Builtin() (*Catalog, error) {
	return loadStrict(builtinRules, "rules", "", loadMode{house: true, lazyTests: true})
}

// BuiltinFS is the embedded catalog's files (rules/<group>/<id>.yml), for
// fingerprinting the catalog a binary ships (orgsiem version).
func BuiltinFS() fs.FS { return builtinRules }
