package logs

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

func TestParseStampAgreesWithTimeParse(t *testing.T) {
	stamps := []string{
		"Mar  5 10:00:01", "Mar 15 23:59:59", "Dec 31 00:00:00", "Jan 01 12:30:45", "Feb 29 01:02:03",
		"Feb 30 01:02:03", "Apr 31 01:02:03", "Mar  0 10:00:01", "Mar 32 10:00:01", "Mar  5 24:00:01",
		"Mar  5 10:60:01", "Mar  5 10:00:60", "mar  5 10:00:01", "MAR  5 10:00:01", "Mrz  5 10:00:01",
		"Mar 5 10:00:01 ", "Mar  5 1:00:01 ", "Mar  5 10-00-01", "Mar  a 10:00:01", "Sep  9 09:09:09",
		"arF  5 10:00:01", "Jan  5 1a:00:01",
	}
	for _, s := range stamps {
		t.Run(s, func(t *testing.T) {
			mo, day, h, mi, sec, ok := parseStamp(s)
			want, err := time.Parse(time.Stamp, s)
			if !ok {
				return // time.Parse decides; syslogTime falls back to it
			}
			if err != nil {
				t.Fatalf("parseStamp accepts %q, time.Parse does not: %v", s, err)
			}
			wh, wmi, wsec := want.Clock()
			if mo != want.Month() || day != want.Day() || h != wh || mi != wmi || sec != wsec {
				t.Errorf("parseStamp(%q) = %v %d %02d:%02d:%02d, time.Parse %v", s, mo, day, h, mi, sec, want)
			}
		})
	}
	for _, s := range []string{"Mar  5 10:00:01", "Dec 31 23:59:59", "Feb 29 00:00:00"} {
		if _, _, _, _, _, ok := parseStamp(s); !ok {
			t.Errorf("parseStamp(%q) is not ok: the usual form must not need time.Parse", s)
		}
	}
}

// BenchmarkLinuxParse is BenchmarkLinux without AppendJSON: the parser, the
// framework's Doc/Emit and the fallback _id.
func BenchmarkLinuxParse(b *testing.B) {
	data := repeatFile(b, "testdata/linux/secure.log", 4<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPURate(b, cpuTime(), int64(len(data)))
	for range b.N {
		st, err := Normalize(b.Context(), Object{Key: "bench", Type: "linux", Body: bytes.NewReader(data)}, func(*ecs.Document) error { return nil })
		if err != nil || st.Errors > 0 {
			b.Fatalf("Normalize: %v, %+v", err, st)
		}
	}
}

// syslogTagByCuts is the tag rule of syslogTag written with strings.Cut,
// as the parser had it: the specification syslogTag is checked against.
func syslogTagByCuts(rest string) (tag, msg string) {
	tag, msg, ok := strings.Cut(rest, ": ")
	if !ok {
		tag, msg = "", rest
		if t, found := strings.CutSuffix(rest, ":"); found && !strings.Contains(t, " ") {
			tag, msg = t, ""
		}
	}
	if strings.ContainsAny(tag, " \t") {
		tag, msg = "", rest
	}
	return tag, msg
}

func TestSyslogTag(t *testing.T) {
	for _, rest := range []string{
		"", ":", ": ", " ", "sshd[1]: Accepted x", "sudo:   intern : user", "kernel: last line", "systemd:", "systemd: ",
		"no tag here", "a b: c", "a\tb: c", "a:\tb: c", "a:: b", ":x", "a:b: c", "prog[1]:", " x: y", "x:y", "x :y",
		"t:\t", "abc:def", "a: b: c",
	} {
		tag, msg := syslogTag(rest)
		if wantTag, wantMsg := syslogTagByCuts(rest); tag != wantTag || msg != wantMsg {
			t.Errorf("syslogTag(%q) = %q, %q; want %q, %q", rest, tag, msg, wantTag, wantMsg)
		}
	}
}

func FuzzSyslogTag(f *testing.F) {
	f.Add("sshd[1]: Accepted x")
	f.Add("a:\tb: c")
	f.Fuzz(func(t *testing.T, rest string) {
		tag, msg := syslogTag(rest)
		if wantTag, wantMsg := syslogTagByCuts(rest); tag != wantTag || msg != wantMsg {
			t.Errorf("syslogTag(%q) = %q, %q; want %q, %q", rest, tag, msg, wantTag, wantMsg)
		}
	})
}

func TestSyslogTimeAgreesWithTimeDate(t *testing.T) {
	// Every day of a leap and a common year read with references around
	// the turn of the year, through one parser (its day cache) each.
	for _, ref := range []time.Time{
		time.Date(2024, 1, 1, 0, 30, 0, 0, time.UTC), time.Date(2023, 12, 30, 23, 0, 0, 0, time.UTC),
		time.Date(2023, 3, 1, 12, 0, 0, 0, time.UTC), time.Date(2024, 2, 28, 1, 0, 0, 0, time.UTC),
	} {
		p := newLinuxParser(ref)
		for day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() == 2024; day = day.AddDate(0, 0, 1) {
			for _, clock := range []time.Duration{0, 23*time.Hour + 59*time.Minute + 59*time.Second, 13*time.Hour + 7*time.Second} {
				stamp := day.Add(clock).Format(time.Stamp)
				got, _, _, err := p.syslogTime(stamp + " host")
				if err != nil {
					t.Fatalf("%s: %v", stamp, err)
				}
				mo, d, h, mi, sec, _ := parseStamp(stamp)
				want := time.Date(ref.Year(), mo, d, h, mi, sec, 0, time.UTC)
				if want.After(ref.Add(48 * time.Hour)) {
					want = want.AddDate(-1, 0, 0)
				}
				if !got.Equal(want) {
					t.Fatalf("ref %v, %q: %v, want %v", ref, stamp, got, want)
				}
			}
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, s := range []string{"", "0", "42", "-7", "+7", "-", "+", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "12a", " 1", "0x10", "1_000"} {
		n, ok := parseInt(s)
		want, err := strconv.ParseInt(s, 10, 64)
		if ok != (err == nil) || ok && n != want {
			t.Errorf("parseInt(%q) = %d, %v; strconv says %d, %v", s, n, ok, want, err)
		}
	}
}

// BenchmarkLinuxLine measures the parser alone (one line onto a document,
// no Output, no JSON) over the lines of testdata/linux/secure.log.
func BenchmarkLinuxLine(b *testing.B) {
	data, err := os.ReadFile("testdata/linux/secure.log")
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	p := newLinuxParser(time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC))
	var d ecs.Document
	b.SetBytes(int64(len(data)) / int64(len(lines)))
	b.ReportAllocs()
	for i := range b.N {
		d = ecs.Document{}
		if err := p.parse(lines[i%len(lines)], &d); err != nil {
			b.Fatal(err)
		}
	}
}
