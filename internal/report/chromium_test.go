package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumPath is where Debian's chromium package (what `make
// report-screenshot` installs) puts the browser.
const chromiumPath = "/usr/bin/chromium"

// chromiumFlags run a headless Chromium that talks to nobody: no sandbox
// (containers), no GPU, no QUIC, no first-run, background networking,
// component updates or sync, and a fresh profile per run.
func chromiumFlags(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile}
}

// TestHTMLPrintsToPDFAndPNG renders the sample report with headless
// Chromium, as an auditor printing it would, when Chromium is installed:
// the PDF has a sensible number of pages and the report's text, the PNG
// decodes and is not blank.
func TestHTMLPrintsToPDFAndPNG(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("%s is not installed (make report-screenshot installs it)", chromiumPath)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := HTML(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A guard against a hung browser, not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// render runs Chromium with flags (OUT stands for the output file).
	render := func(name string, flags ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		args := chromiumFlags(filepath.Join(dir, "profile-"+name))
		for _, f := range flags {
			args = append(args, strings.ReplaceAll(f, "OUT", out))
		}
		args = append(args, "file://"+page)
		cmd := exec.CommandContext(ctx, chromiumPath, args...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium %s: %v\n%s", name, err, msg)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("chromium wrote no %s: %v", name, err)
		}
		return data
	}

	pdf := render("report.pdf", "--no-pdf-header-footer", "--print-to-pdf=OUT")
	t.Run("the PDF has between 2 and 12 pages", func(t *testing.T) {
		// Each page is one /Type /Page object (ISO 32000-1 7.7.3.3).
		pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
		if pages < 2 || pages > 12 {
			t.Errorf("%d pages", pages)
		}
	})
	t.Run("the PDF carries the report's text", func(t *testing.T) {
		pdftotext, err := exec.LookPath("pdftotext")
		if err != nil {
			// Without pdftotext, at least a PDF with text fonts.
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/Font")) {
				t.Errorf("not a PDF with text (%d bytes)", len(pdf))
			}
			return
		}
		txtPath := filepath.Join(dir, "report.txt")
		if msg, err := exec.CommandContext(ctx, pdftotext, "-layout", filepath.Join(dir, "report.pdf"), txtPath).CombinedOutput(); err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, msg)
		}
		txt, _ := os.ReadFile(txtPath)
		for _, want := range []string{"Logging Compliance Report", "Coverage per account and log type", "PCI-05", "NO DATA", "ConsoleLogin", "root-2"} {
			if !bytes.Contains(txt, []byte(want)) {
				t.Errorf("the PDF's text lacks %q", want)
			}
		}
	})

	shot := render("report.png", "--window-size=1280,1600", "--screenshot=OUT")
	t.Run("the PNG decodes and is not blank", func(t *testing.T) {
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatal(err)
		}
		bounds := img.Bounds()
		if bounds.Dx() < 800 || bounds.Dy() < 800 {
			t.Fatalf("size %v", bounds)
		}
		colors := map[uint32]bool{}
		for y := bounds.Min.Y; y < bounds.Max.Y; y += 7 {
			for x := bounds.Min.X; x < bounds.Max.X; x += 7 {
				r, g, b, _ := img.At(x, y).RGBA()
				colors[r>>12<<8|g>>12<<4|b>>12] = true
			}
		}
		if len(colors) < 4 {
			t.Errorf("the screenshot has %d colours: blank", len(colors))
		}
	})
}
