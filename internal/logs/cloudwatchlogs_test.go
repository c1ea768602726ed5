package logs

func init() {
	const dd = "cloudwatch_logs/datadog-serverless-functions/aws/logs_monitoring/tests/events/"
	corpusKnownBad[dd+"sqs_s3.json"] = "a Datadog forwarder test event of an SQS-delivered S3 notification, not CloudWatch Logs data"
	corpusKnownBad[dd+"sqs_sns_s3.json"] = "a Datadog forwarder test event of an SQS/SNS-delivered S3 notification, not CloudWatch Logs data"
	const docs = "cloudwatch_logs/awsdocs-amazon-cloudwatch-logs-user-guide/_extracted/"
	corpusKnownBad[docs+"subscription-data-message.example01.json"] = "the documentation shortens each CloudTrail message to its first fields, leaving invalid JSON"
	corpusKnownBad[docs+"subscription-data-message.example02.json"] = "the documentation shortens each CloudTrail message to its first fields, leaving invalid JSON"
	corpusCountNotes["cloudwatch_logs/aws-lambda-go/events/testdata/cloudwatch-logs-event.json"] =
		"the manifest counts the one awslogs envelope; it holds two log events"
}
