package logs

import (
	"testing"
	"time"
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
