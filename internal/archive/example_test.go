package archive_test

import (
	"fmt"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
)

func ExampleParse() {
	loc, err := archive.Parse("AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(loc.Source, loc.LogType, loc.OrgID, loc.Account, loc.Region, loc.Time.Format(time.RFC3339))

	_, err = archive.Parse("backups/db.sql.gz")
	fmt.Println(err)
	// Output:
	// aws cloudtrail o-exampleorgid 111122223333 us-east-2 2015-08-01T02:10:00Z
	// archive: key "backups/db.sql.gz" matches no known layout
}

func ExampleCWLogsKey() {
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	key := archive.CWLogsKey("123456789012", "eu-west-1", "/aws/lambda/my-fn", t, "0f1e2d3c")
	fmt.Println(key)

	loc, _ := archive.Parse(key)
	fmt.Println(loc.LogType, loc.LogGroup, loc.Time.Format(time.RFC3339))
	// Output:
	// CWLogs/123456789012/eu-west-1/%2Faws%2Flambda%2Fmy-fn/2025/01/02/03/0f1e2d3c.json.gz
	// cloudwatchlogs /aws/lambda/my-fn 2025-01-02T03:00:00Z
}

func ExampleParseLocal() {
	loc, _ := archive.ParseLocal("/work/shared/corpus/cloudtrail/invictus-ir-aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1145Z_s7dpHbl38neqZbm2.json")
	fmt.Println(loc.LogType, loc.Account, loc.Region, loc.Time.Format(time.RFC3339))
	// Output:
	// cloudtrail 218007301253 us-east-1 2023-07-10T11:45:00Z
}
