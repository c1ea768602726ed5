package central

import (
	"fmt"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Alarm is one CloudWatch alarm of the meta-monitoring set.
type Alarm struct {
	Name       string
	Namespace  string
	Metric     string
	Statistic  string
	Period     int // seconds
	Periods    int // evaluation periods
	Comparison string
	Threshold  float64
	Dimensions map[string]string
	// Missing is TreatMissingData (missing, notBreaching, breaching).
	Missing string
	// Diff alarms on the increase of a cumulative counter (metric math
	// DIFF) instead of its value.
	Diff bool
}

const (
	gte = "GreaterThanOrEqualToThreshold"
	gt  = "GreaterThanThreshold"
	lte = "LessThanOrEqualToThreshold"
	lt  = "LessThanThreshold"
)

// OpenSearchAlarms is AWS's recommended alarm set for an OpenSearch domain
// (Developer Guide "Recommended CloudWatch alarms", current thresholds; see
// ../shared/research/org-logging.md §5), sized for the domain's nodes.
func OpenSearchAlarms(account string, os OpenSearch) []Alarm {
	dims := map[string]string{"DomainName": policies.DomainName, "ClientId": account}
	es := func(name, metric, stat string, period, periods int, cmp string, threshold float64) Alarm {
		return Alarm{Name: name, Namespace: "AWS/ES", Metric: metric, Statistic: stat, Period: period, Periods: periods,
			Comparison: cmp, Threshold: threshold, Dimensions: dims, Missing: "missing"}
	}
	// 25% of a data node's volume, in MiB, as AWS advises for FreeStorageSpace.
	freeStorage := float64(os.VolumeGiB) * 1024 / 4
	out := []Alarm{
		es("cluster-red", "ClusterStatus.red", "Maximum", 60, 1, gte, 1),
		es("cluster-yellow", "ClusterStatus.yellow", "Maximum", 60, 5, gte, 1),
		es("free-storage-low", "FreeStorageSpace", "Minimum", 60, 1, lte, freeStorage),
		es("index-writes-blocked", "ClusterIndexWritesBlocked", "Maximum", 300, 1, gte, 1),
		es("nodes-missing", "Nodes", "Minimum", 86400, 1, lt, float64(os.InstanceCount+os.DedicatedMasters)),
		es("automated-snapshot-failure", "AutomatedSnapshotFailure", "Maximum", 60, 1, gte, 1),
		es("cpu-high", "CPUUtilization", "Maximum", 900, 3, gte, 80),
		es("jvm-memory-pressure", "JVMMemoryPressure", "Maximum", 60, 3, gte, 95),
		es("old-gen-jvm-memory-pressure", "OldGenJVMMemoryPressure", "Maximum", 60, 3, gte, 80),
		es("shards-active", "Shards.active", "Maximum", 60, 1, gte, 30000),
		es("master-not-reachable", "MasterReachableFromNode", "Maximum", 86400, 1, lt, 1),
		es("write-queue", "ThreadpoolWriteQueue", "Average", 60, 1, gte, 100),
		es("search-queue-average", "ThreadpoolSearchQueue", "Average", 60, 1, gte, 500),
		es("search-queue-max", "ThreadpoolSearchQueue", "Maximum", 60, 1, gte, 5000),
	}
	for _, nk := range [][2]string{{"kmskey-error", "KMSKeyError"}, {"kmskey-inaccessible", "KMSKeyInaccessible"}} {
		a := es(nk[0], nk[1], "Maximum", 60, 1, gte, 1)
		a.Missing = "notBreaching" // stays without data until a key problem occurs
		out = append(out, a)
	}
	for _, nk := range [][2]string{{"write-rejected", "ThreadpoolWriteRejected"}, {"search-rejected", "ThreadpoolSearchRejected"}} {
		a := es(nk[0], nk[1], "Sum", 60, 1, gte, 1)
		a.Diff = true // cumulative counters: alarm on new rejections
		out = append(out, a)
	}
	if os.DedicatedMasters > 0 {
		out = append(out,
			es("master-cpu-high", "MasterCPUUtilization", "Maximum", 900, 3, gte, 50),
			es("master-jvm-memory-pressure", "MasterJVMMemoryPressure", "Maximum", 60, 3, gte, 95),
			es("master-old-gen-jvm-memory-pressure", "MasterOldGenJVMMemoryPressure", "Maximum", 60, 3, gte, 80),
		)
	}
	if os.WarmCount > 0 {
		out = append(out,
			es("warm-cpu-high", "WarmCPUUtilization", "Maximum", 900, 3, gte, 80),
			es("warm-jvm-memory-pressure", "WarmJVMMemoryPressure", "Maximum", 60, 3, gte, 95),
		)
	}
	return out
}

// PipelineAlarms watch the pipeline: loader errors and throttles, ingest
// queue age, dead letters, report and maintain errors, and one heartbeat per
// log type (nothing indexed for heartbeatMinutes is an alarm).
func PipelineAlarms(ingestAgeSeconds int, heartbeatTypes []string, heartbeatMinutes int) []Alarm {
	fn := func(name, function, metric string) Alarm {
		return Alarm{Name: name, Namespace: "AWS/Lambda", Metric: metric, Statistic: "Sum", Period: 300, Periods: 1,
			Comparison: gt, Threshold: 0, Dimensions: map[string]string{"FunctionName": function}, Missing: "notBreaching"}
	}
	out := []Alarm{
		fn("loader-errors", policies.LoaderFunction, "Errors"),
		fn("loader-throttles", policies.LoaderFunction, "Throttles"),
		fn("report-errors", policies.ReportFunction, "Errors"),
		fn("maintain-errors", policies.MaintainFunction, "Errors"),
		{
			Name: "ingest-queue-age", Namespace: "AWS/SQS", Metric: "ApproximateAgeOfOldestMessage", Statistic: "Maximum",
			Period: 300, Periods: 2, Comparison: gte, Threshold: float64(ingestAgeSeconds),
			Dimensions: map[string]string{"QueueName": policies.IngestQueue}, Missing: "notBreaching",
		},
		{
			Name: "ingest-dead-letters", Namespace: "AWS/SQS", Metric: "ApproximateNumberOfMessagesVisible", Statistic: "Maximum",
			Period: 300, Periods: 1, Comparison: gt, Threshold: 0,
			Dimensions: map[string]string{"QueueName": policies.IngestDeadLetter}, Missing: "notBreaching",
		},
	}
	for _, t := range heartbeatTypes {
		out = append(out, Alarm{
			Name: "heartbeat-" + t, Namespace: MetricNamespace, Metric: MetricDocumentsIndexed, Statistic: "Sum",
			Period: heartbeatMinutes * 60, Periods: 1, Comparison: lt, Threshold: 1,
			Dimensions: map[string]string{DimensionLogType: t},
			Missing:    "breaching", // no data at all is exactly what a heartbeat catches
		})
	}
	return out
}

func (b *siemBuilder) alarms(topic *sns.Topic) error {
	all := append(OpenSearchAlarms(b.a.Org.Security, b.a.OpenSearch),
		PipelineAlarms(b.a.IngestAgeAlarmSeconds, b.a.HeartbeatLogTypes, b.a.HeartbeatMinutes)...)
	for _, al := range all {
		args := &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String("orgsiem-" + al.Name),
			AlarmDescription:   pulumi.String(fmt.Sprintf("%s %s %s %g", al.Metric, al.Statistic, al.Comparison, al.Threshold)),
			ComparisonOperator: pulumi.String(al.Comparison),
			EvaluationPeriods:  pulumi.Int(al.Periods),
			Threshold:          pulumi.Float64(al.Threshold),
			TreatMissingData:   pulumi.String(al.Missing),
			AlarmActions:       pulumi.Array{topic.Arn},
			OkActions:          pulumi.Array{topic.Arn},
		}
		if al.Diff {
			args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{
				&cloudwatch.MetricAlarmMetricQueryArgs{
					Id: pulumi.String("m1"), ReturnData: pulumi.Bool(false),
					Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
						Namespace: pulumi.String(al.Namespace), MetricName: pulumi.String(al.Metric),
						Stat: pulumi.String(al.Statistic), Period: pulumi.Int(al.Period),
						Dimensions: pulumi.ToStringMap(al.Dimensions),
					},
				},
				&cloudwatch.MetricAlarmMetricQueryArgs{
					Id: pulumi.String("e1"), Expression: pulumi.String("DIFF(m1)"), ReturnData: pulumi.Bool(true),
					Label: pulumi.String(al.Metric + " increase"),
				},
			}
		} else {
			args.Namespace = pulumi.String(al.Namespace)
			args.MetricName = pulumi.String(al.Metric)
			args.Statistic = pulumi.String(al.Statistic)
			args.Period = pulumi.Int(al.Period)
			args.Dimensions = pulumi.ToStringMap(al.Dimensions)
		}
		m, err := cloudwatch.NewMetricAlarm(b.ctx, b.n("alarm-"+al.Name), args, b.child)
		if err != nil {
			return fmt.Errorf("alarm %s: %w", al.Name, err)
		}
		b.c.Alarms = append(b.c.Alarms, m)
	}
	return nil
}
