package search_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/search"
)

// listing builds a realistic repository: one Snapshot Management snapshot a
// day from 2024-11-01 to 2025-06-30 of the cloudtrail and vpcflow monthly
// indices that existed that day; ISM deletes an index 120 days after its
// month ended, so later snapshots no longer hold it. The 2025-03-15
// snapshot (the last holding November) failed and the 2025-05-02 one is
// PARTIAL; neither is used.
func listing() (snaps []search.SnapshotInfo, live []string) {
	deleted := func(month time.Time, day time.Time) bool {
		return !day.Before(month.AddDate(0, 1, 120))
	}
	end := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	for day := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC); !day.After(end); day = day.AddDate(0, 0, 1) {
		s := search.SnapshotInfo{Name: "orgsiem-daily-" + day.Format(time.DateOnly) + "-02-00-abcd", State: "SUCCESS",
			Start: day.Add(2 * time.Hour), End: day.Add(2*time.Hour + 20*time.Minute)}
		switch day.Format(time.DateOnly) {
		case "2025-03-30":
			s.State = "FAILED"
		case "2025-05-02":
			s.State = "PARTIAL"
		}
		for m := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC); !m.After(day); m = m.AddDate(0, 1, 0) {
			if deleted(m, day) {
				continue
			}
			for _, typ := range []string{"cloudtrail", "vpcflow"} {
				s.Indices = append(s.Indices, fmt.Sprintf("log-aws-%s-%s", typ, m.Format("2006.01")))
			}
		}
		s.Indices = append(s.Indices, ".kibana_1", ".opendistro-job-scheduler-lock", "reports-2025.01")
		snaps = append(snaps, s)
	}
	for m := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		if deleted(m, end.AddDate(0, 0, 1)) {
			continue
		}
		for _, typ := range []string{"cloudtrail", "vpcflow"} {
			live = append(live, fmt.Sprintf("log-aws-%s-%s", typ, m.Format("2006.01")))
		}
	}
	live = append(live, "restored-log-aws-vpcflow-2024.12", ".kibana_1")
	return snaps, live
}

func TestPlanRestore(t *testing.T) {
	snaps, live := listing()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	type item struct{ snap, indices string }
	cases := []struct {
		name     string
		from, to string
		types    []string
		items    []item
		live     string
		already  string
		missing  string
		wantErr  bool
	}{
		{name: "a deleted quarter is restored from the last snapshot that held each month",
			from: "2024-11-01", to: "2025-01-31", types: []string{"cloudtrail"},
			// November is deleted on 2025-03-31 (last held on 03-30, which failed: 03-29),
			// December on 05-01 (04-30), January on 06-01 (05-31).
			items: []item{
				{"orgsiem-daily-2025-03-29-02-00-abcd", "log-aws-cloudtrail-2024.11"},
				{"orgsiem-daily-2025-04-30-02-00-abcd", "log-aws-cloudtrail-2024.12"},
				{"orgsiem-daily-2025-05-31-02-00-abcd", "log-aws-cloudtrail-2025.01"},
			}},
		{name: "all types by default, live months are left alone, restored copies are not redone",
			from: "2024-12-15", to: "2025-03-02",
			// February was deleted on 06-29 (last held on 06-28).
			items: []item{
				{"orgsiem-daily-2025-04-30-02-00-abcd", "log-aws-cloudtrail-2024.12"},
				{"orgsiem-daily-2025-05-31-02-00-abcd", "log-aws-cloudtrail-2025.01,log-aws-vpcflow-2025.01"},
				{"orgsiem-daily-2025-06-28-02-00-abcd", "log-aws-cloudtrail-2025.02,log-aws-vpcflow-2025.02"},
			},
			live:    "log-aws-cloudtrail-2025.03,log-aws-vpcflow-2025.03",
			already: "log-aws-vpcflow-2024.12"},
		{name: "months before the first snapshot are reported missing",
			from: "2024-09-10", to: "2024-11-05", types: []string{"vpcflow"},
			items:   []item{{"orgsiem-daily-2025-03-29-02-00-abcd", "log-aws-vpcflow-2024.11"}},
			missing: "log-aws-vpcflow-2024.09,log-aws-vpcflow-2024.10"},
		{name: "a single day inside a live month restores nothing",
			from: "2025-06-10", to: "2025-06-10", types: []string{"cloudtrail"}, live: "log-aws-cloudtrail-2025.06"},
		{name: "an unknown type is only missing", from: "2025-01-01", to: "2025-01-31", types: []string{"waf"}, missing: "log-aws-waf-2025.01"},
		{name: "an end before the start is refused", from: "2025-02-01", to: "2025-01-01", wantErr: true},
		{name: "a type that is not a name is refused", from: "2025-01-01", to: "2025-01-02", types: []string{".kibana"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := search.PlanRestore(snaps, day(tc.from), day(tc.to), tc.types, live)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error, plan %+v", p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []item
			for _, it := range p.Items {
				got = append(got, item{it.Snapshot, strings.Join(it.Indices, ",")})
				for i, target := range it.Targets {
					if target != "restored-"+it.Indices[i] {
						t.Errorf("target %s for %s", target, it.Indices[i])
					}
					for _, l := range live {
						if target == l {
							t.Errorf("plan targets the live index %s", target)
						}
					}
				}
				for _, idx := range it.Indices {
					if strings.HasPrefix(idx, ".") {
						t.Errorf("plan restores the system index %s", idx)
					}
				}
				b := it.Body()
				if b["include_global_state"] != false || b["rename_replacement"] != "restored-$1" || b["indices"] != strings.Join(it.Indices, ",") {
					t.Errorf("restore body %v", b)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.items) {
				t.Errorf("items\n got %v\nwant %v", got, tc.items)
			}
			if j := strings.Join(p.Live, ","); j != tc.live {
				t.Errorf("live %q, want %q", j, tc.live)
			}
			if j := strings.Join(p.AlreadyRestored, ","); j != tc.already {
				t.Errorf("already restored %q, want %q", j, tc.already)
			}
			if j := strings.Join(p.Missing, ","); j != tc.missing {
				t.Errorf("missing %q, want %q", j, tc.missing)
			}
		})
	}
}
