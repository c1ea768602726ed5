package search_test

import (
	"fmt"
	"time"

	"github.com/orgsiem/orgsiem/internal/search"
)

func ExamplePlanRestore() {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	snaps := []search.SnapshotInfo{
		{Name: "daily-2025-03-30", State: "SUCCESS", End: day("2025-03-30"), Indices: []string{"log-aws-cloudtrail-2025.01", "log-aws-cloudtrail-2025.02", ".kibana_1"}},
		{Name: "daily-2025-04-30", State: "SUCCESS", End: day("2025-04-30"), Indices: []string{"log-aws-cloudtrail-2025.02", "log-aws-cloudtrail-2025.03"}},
	}
	live := []string{"log-aws-cloudtrail-2025.03"}
	plan, _ := search.PlanRestore(snaps, day("2025-01-01"), day("2025-03-31"), []string{"cloudtrail"}, live)
	for _, it := range plan.Items {
		fmt.Println(it.Snapshot, it.Indices, "->", it.Targets)
	}
	fmt.Println("live:", plan.Live)
	// Output:
	// daily-2025-03-30 [log-aws-cloudtrail-2025.01] -> [restored-log-aws-cloudtrail-2025.01]
	// daily-2025-04-30 [log-aws-cloudtrail-2025.02] -> [restored-log-aws-cloudtrail-2025.02]
	// live: [log-aws-cloudtrail-2025.03]
}
