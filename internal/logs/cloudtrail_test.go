package logs

func init() {
	corpusKnownBad["cloudtrail/panther-analysis/_extracted/AWS.CloudTrail.test-events.ndjson"] =
		"Panther rule test events are partial records: 77 have no eventTime and 2 hold placeholders (\"redacted\", \"...\")"
}
