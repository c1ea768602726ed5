// Command package zips built Lambda binaries reproducibly: for every name
// given, the files of <dir>/<name>/ (the `bootstrap` binary) go into
// <dir>/<name>.zip with fixed timestamps, a fixed order and fixed modes, so
// building the same sources twice gives byte-identical zips. It prints the
// size of each zip and of what it holds.
//
//	go run ./scripts/package -dir build/lambda transfer subscribe
package main

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"
)

// Epoch is the modification time of every entry: the earliest time a zip
// (MS-DOS) timestamp can hold.
var Epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	dir := flag.String("dir", "build/lambda", "directory holding one folder of files per function")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: package -dir DIR NAME...")
		os.Exit(2)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "zip\tbytes\tcontent bytes\t")
	for _, name := range flag.Args() {
		zipPath := filepath.Join(*dir, name+".zip")
		content, size, err := zipDir(filepath.Join(*dir, name), zipPath)
		if err != nil {
			fmt.Fprintf(os.Stderr, "package %s: %v\n", name, err)
			os.Exit(1)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", zipPath, size, content)
	}
	tw.Flush()
}

// zipDir zips the regular files of dir (not recursive) into zipPath,
// atomically, and returns the total content size and the zip's size.
func zipDir(dir, zipPath string) (content, size int64, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return 0, 0, fmt.Errorf("no files in %s", dir)
	}
	tmp, err := os.CreateTemp(filepath.Dir(zipPath), ".package-*.zip")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(tmp.Name())
	content, err = WriteZip(tmp, files)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, 0, err
	}
	if err := os.Rename(tmp.Name(), zipPath); err != nil {
		return 0, 0, err
	}
	fi, err := os.Stat(zipPath)
	if err != nil {
		return 0, 0, err
	}
	return content, fi.Size(), nil
}

// WriteZip writes files into a zip on w, each under its base name, sorted
// by name, modified at Epoch, with mode 0755 when the file is executable
// by anyone and 0644 otherwise, deflated at the best compression. Nothing
// else about the files (owner, times, exact permission bits) reaches the
// zip. It returns the total uncompressed size.
func WriteZip(w io.Writer, files []string) (int64, error) {
	sorted := append([]string(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return filepath.Base(sorted[i]) < filepath.Base(sorted[j]) })
	for i := 1; i < len(sorted); i++ {
		if filepath.Base(sorted[i]) == filepath.Base(sorted[i-1]) {
			return 0, fmt.Errorf("two files named %s", filepath.Base(sorted[i]))
		}
	}
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	var total int64
	for _, path := range sorted {
		n, err := addFile(zw, path)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		total += n
	}
	return total, zw.Close()
}

func addFile(zw *zip.Writer, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, errors.New("not a regular file")
	}
	mode := fs.FileMode(0o644)
	if fi.Mode().Perm()&0o111 != 0 {
		mode = 0o755
	}
	h := &zip.FileHeader{Name: filepath.Base(path), Method: zip.Deflate, Modified: Epoch}
	h.SetMode(mode)
	ew, err := zw.CreateHeader(h)
	if err != nil {
		return 0, err
	}
	return io.Copy(ew, f)
}
