package subscribe

import (
	"strconv"

	"github.com/orgsiem/orgsiem/functions/internal/emf"
)

// SkipReason names why a log group was left without our filter.
type SkipReason string

// Skip reasons. Each is also the suffix of an EMF metric "Skipped<reason>".
const (
	// SkipPipeline: one of the pipeline's own log groups (subscribing it
	// would loop).
	SkipPipeline SkipReason = "PipelineLogGroup"
	// SkipExcluded: the name matches an Exclude pattern.
	SkipExcluded SkipReason = "Excluded"
	// SkipNotIncluded: Include patterns are set and none matches.
	SkipNotIncluded SkipReason = "NotIncluded"
	// SkipInfrequentAccess: Infrequent Access class, which cannot have
	// subscription filters.
	SkipInfrequentAccess SkipReason = "InfrequentAccess"
	// SkipDeliveryClass: Delivery class, only for delivering Lambda logs to
	// S3 or Firehose.
	SkipDeliveryClass SkipReason = "DeliveryClass"
	// SkipFilterLimit: PutSubscriptionFilter answered
	// LimitExceededException: the group's subscription filter slots are
	// all taken by foreign filters; we never remove one. Logged with the
	// group's name and listed in FilterLimitGroups.
	SkipFilterLimit SkipReason = "FilterLimit"
	// SkipNotFound: the group was deleted before we could subscribe it.
	SkipNotFound SkipReason = "NotFound"
	// SkipFailedCreate: a CreateLogGroup event whose call failed (errorCode
	// set), so no group was created.
	SkipFailedCreate SkipReason = "FailedCreate"
	// SkipAccountPolicy: account mode, and our account-level subscription
	// filter policy covers the group.
	SkipAccountPolicy SkipReason = "AccountPolicy"
)

// SkipReasons lists every reason, in metric order.
var SkipReasons = []SkipReason{SkipPipeline, SkipExcluded, SkipNotIncluded, SkipInfrequentAccess, SkipDeliveryClass, SkipFilterLimit, SkipNotFound, SkipFailedCreate, SkipAccountPolicy}

// maxListedGroups bounds the group names kept in Coverage lists.
const maxListedGroups = 20

// Coverage is what one invocation found and did. It is the function's one
// metrics struct: emitted as one EMF document (namespace lambdaenv.MetricNamespace,
// dimension Function=subscribe), logged, returned as the invocation result
// and, for custom resource requests, sent to CloudFormation as Data.
// Seen == Subscribed + Updated + AlreadyOurs + sum(Skipped) + Failed.
type Coverage struct {
	// Seen counts log groups examined.
	Seen int64 `json:"seen"`
	// Subscribed counts groups that got our filter in this run.
	Subscribed int64 `json:"subscribed"`
	// Updated counts groups whose filter named FilterName pointed to another
	// destination or pattern and was rewritten.
	Updated int64 `json:"updated"`
	// AlreadyOurs counts groups that already had our filter as it should be.
	AlreadyOurs int64 `json:"alreadyOurs"`
	// Skipped counts groups left alone, by reason.
	Skipped map[SkipReason]int64 `json:"skipped"`
	// Failed counts groups left unsubscribed because a call kept failing;
	// the next sweep tries again.
	Failed int64 `json:"failed"`
	// Retries counts AWS calls retried after throttling or a transient error.
	Retries int64 `json:"retries"`
	// Throttled counts calls answered ThrottlingException.
	Throttled int64 `json:"throttled"`
	// Complete is true when the run covered everything it was asked to (the
	// whole account for a sweep, from where this chain started); false when
	// the time budget or an error cut it short.
	Complete bool `json:"complete"`
	// Hop numbers this invocation in its sweep chain (0: the first).
	Hop int `json:"hop"`
	// Next is where the sweep resumes when it is not Complete.
	Next *Position `json:"next,omitempty"`
	// Continued is true when this invocation handed the rest of the sweep
	// to a new invocation.
	Continued bool `json:"continued"`
	// Mode is how the account is covered: ModeLogGroup or ModeAccount.
	Mode string `json:"mode,omitempty"`
	// AccountPolicy is what account mode found or did (AccountPolicy*).
	AccountPolicy string `json:"accountPolicy,omitempty"`
	// Fallback says why account mode subscribes log groups one by one.
	Fallback string `json:"fallback,omitempty"`
	// FilterLimitGroups and FailedGroups name up to 20 such groups.
	FilterLimitGroups []string `json:"filterLimitGroups,omitempty"`
	FailedGroups      []string `json:"failedGroups,omitempty"`
}

func newCoverage() Coverage { return Coverage{Skipped: map[SkipReason]int64{}} }

func (c *Coverage) skip(r SkipReason, group string) {
	c.Skipped[r]++
	if r == SkipFilterLimit && len(c.FilterLimitGroups) < maxListedGroups {
		c.FilterLimitGroups = append(c.FilterLimitGroups, group)
	}
}

func (c *Coverage) fail(group string) {
	c.Failed++
	if len(c.FailedGroups) < maxListedGroups {
		c.FailedGroups = append(c.FailedGroups, group)
	}
}

func (c *Coverage) metrics() []emf.Metric {
	complete, continued := 0.0, 0.0
	if c.Complete {
		complete = 1
	}
	if c.Continued {
		continued = 1
	}
	m := []emf.Metric{
		{Name: "Seen", Unit: emf.Count, Value: float64(c.Seen)},
		{Name: "Subscribed", Unit: emf.Count, Value: float64(c.Subscribed)},
		{Name: "Updated", Unit: emf.Count, Value: float64(c.Updated)},
		{Name: "AlreadyOurs", Unit: emf.Count, Value: float64(c.AlreadyOurs)},
		{Name: "Failed", Unit: emf.Count, Value: float64(c.Failed)},
		{Name: "Retries", Unit: emf.Count, Value: float64(c.Retries)},
		{Name: "Throttled", Unit: emf.Count, Value: float64(c.Throttled)},
		{Name: "Complete", Unit: emf.Count, Value: complete},
		{Name: "Continued", Unit: emf.Count, Value: continued},
	}
	for _, r := range SkipReasons {
		m = append(m, emf.Metric{Name: "Skipped" + string(r), Unit: emf.Count, Value: float64(c.Skipped[r])})
	}
	return m
}

// data is Coverage as CloudFormation custom resource Data (string values,
// readable with Fn::GetAtt).
func (c *Coverage) data() map[string]any {
	d := map[string]any{
		"Seen":        strconv.FormatInt(c.Seen, 10),
		"Subscribed":  strconv.FormatInt(c.Subscribed, 10),
		"Updated":     strconv.FormatInt(c.Updated, 10),
		"AlreadyOurs": strconv.FormatInt(c.AlreadyOurs, 10),
		"Failed":      strconv.FormatInt(c.Failed, 10),
		"Complete":    strconv.FormatBool(c.Complete),
		"Continued":   strconv.FormatBool(c.Continued),
		"Mode":        c.Mode,
	}
	if c.AccountPolicy != "" {
		d["AccountPolicy"] = c.AccountPolicy
	}
	for _, r := range SkipReasons {
		d["Skipped"+string(r)] = strconv.FormatInt(c.Skipped[r], 10)
	}
	return d
}

func (s *Subscriber) emit(c *Coverage, trigger string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := emf.Write(s.metrics, s.clock.Now(), []emf.Dimension{{Name: "Function", Value: "subscribe"}}, c.metrics()); err != nil {
		s.log.Error("metrics not written", "error", err.Error())
	}
	s.log.Info("coverage", "trigger", trigger, "coverage", c)
}
