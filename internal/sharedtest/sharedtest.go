// Package sharedtest locates the project's shared folder for tests: the
// real AWS log corpus and the published API specifications live in
// ../shared beside the repository (CI clones main with shared/ beside it).
// A clone without it must still pass, so tests that need it skip.
package sharedtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Path returns ../shared/<elem...> beside the repository root (the
// directory holding go.mod, found by walking up from the working
// directory), or an error when the root or the path does not exist.
func Path(elem ...string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("sharedtest: no go.mod above the working directory")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{filepath.Dir(dir), "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("sharedtest: %s is absent (shared/ sits beside the checkout): %w", p, err)
	}
	return p, nil
}

// Require returns Path(elem...) or skips t with the reason.
func Require(t testing.TB, elem ...string) string {
	t.Helper()
	p, err := Path(elem...)
	if err != nil {
		t.Skip(err)
	}
	return p
}
