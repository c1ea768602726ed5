package stacks

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Package is one Lambda deployment package built by `make package`.
type Package struct {
	Name string // transfer, subscribe, loader, report, maintain, directory
	Path string
	// SHA256 is the base64 SHA-256 (Lambda's CodeSha256); Digest the hex.
	SHA256, Digest string
}

// Functions are the packages the program deploys, by zip name.
var Functions = []string{"transfer", "subscribe", "loader", "report", "maintain", "directory"}

// LoadCode checks that every package exists in dir and is a zip, and
// hashes it. It runs before any resource is created, so a missing build
// fails `pulumi up` with an instruction instead of a half-deployed stack.
func LoadCode(dir string) (map[string]Package, error) {
	out := map[string]Package{}
	for _, name := range Functions {
		path := filepath.Join(dir, name+".zip")
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("lambda package %s is missing: run `make package` first (or set %s:buildDir): %w", path, Namespace, err)
		}
		h := sha256.New()
		var head bytes.Buffer
		n, err := io.Copy(io.MultiWriter(h, &limitedWriter{w: &head, n: 4}), f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("lambda package %s: %w", path, err)
		}
		if n < 22 || !bytes.HasPrefix(head.Bytes(), []byte("PK")) {
			return nil, fmt.Errorf("lambda package %s is not a zip file: run `make package` again", path)
		}
		sum := h.Sum(nil)
		out[name] = Package{Name: name, Path: path, SHA256: base64.StdEncoding.EncodeToString(sum), Digest: hex.EncodeToString(sum)}
	}
	return out, nil
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(l.n, len(p))
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// ObjectKey is the package's key in the artifact buckets; it changes with
// the content, so CloudFormation updates the functions on every new build.
func (p Package) ObjectKey() string { return "lambda/" + p.Name + "-" + p.Digest[:16] + ".zip" }
