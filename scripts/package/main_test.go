package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeTree writes a bootstrap binary stand-in and a data file with the
// given permission bits and modification time.
func writeTree(t *testing.T, dir string, exec, data os.FileMode, mtime time.Time) []string {
	t.Helper()
	files := map[string]os.FileMode{"bootstrap": exec, "config.json": data}
	var paths []string
	for name, mode := range files {
		p := filepath.Join(dir, name)
		content := bytes.Repeat([]byte(name+"\x00\x7fELF"), 4096)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestWriteZipIsReproducible(t *testing.T) {
	a := writeTree(t, t.TempDir(), 0o755, 0o644, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	// Same content, other directory, times, umask-style bits and argument order.
	b := writeTree(t, t.TempDir(), 0o775, 0o664, time.Now())
	b[0], b[1] = b[1], b[0]

	var za, zb bytes.Buffer
	na, err := WriteZip(&za, a)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := WriteZip(&zb, b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(za.Bytes(), zb.Bytes()) || na != nb {
		t.Fatalf("zips differ: %d and %d bytes", za.Len(), zb.Len())
	}

	t.Run("entries are sorted, dated at the epoch, with fixed modes and intact content", func(t *testing.T) {
		zr, err := zip.NewReader(bytes.NewReader(za.Bytes()), int64(za.Len()))
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			name string
			mode os.FileMode
		}{{"bootstrap", 0o755}, {"config.json", 0o644}}
		if len(zr.File) != len(want) {
			t.Fatalf("%d entries", len(zr.File))
		}
		for i, f := range zr.File {
			if f.Name != want[i].name || f.Mode().Perm() != want[i].mode || !f.Modified.Equal(Epoch) || f.Method != zip.Deflate {
				t.Errorf("entry %d: %s %v %v method %d", i, f.Name, f.Mode(), f.Modified, f.Method)
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, bytes.Repeat([]byte(f.Name+"\x00\x7fELF"), 4096)) {
				t.Errorf("entry %s content differs", f.Name)
			}
		}
	})
}

func TestWriteZipRefusesDuplicateNames(t *testing.T) {
	a := writeTree(t, t.TempDir(), 0o755, 0o644, time.Now())
	b := writeTree(t, t.TempDir(), 0o755, 0o644, time.Now())
	if _, err := WriteZip(io.Discard, append(a, b[0])); err == nil {
		t.Fatal("want an error for two files with one name")
	}
}

func TestZipDirWritesTheZipAtomically(t *testing.T) {
	root := t.TempDir()
	fn := filepath.Join(root, "transfer")
	if err := os.Mkdir(fn, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTree(t, fn, 0o755, 0o644, time.Now())
	zipPath := filepath.Join(root, "transfer.zip")
	content, size, err := zipDir(fn, zipPath)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(zipPath)
	if err != nil || fi.Size() != size || content == 0 || size >= content {
		t.Fatalf("zip %v size %d content %d: %v", fi, size, content, err)
	}
	left, _ := filepath.Glob(filepath.Join(root, ".package-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if _, _, err := zipDir(filepath.Join(root, "missing"), filepath.Join(root, "missing.zip")); err == nil {
		t.Fatal("want an error for a missing folder")
	}
}
