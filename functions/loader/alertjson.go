package loader

import (
	"strconv"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// appendAlertJSON writes the alert document d as alerts.Document.JSON
// does (the same members, omitted when its json tag says omitempty, times
// in RFC 3339 with nanoseconds), without reflection: at ingest an alert or
// signal is encoded for a large share of the events of some log types.
// TestAlertJSONIsTheContracts holds it to encoding/json's output.
func appendAlertJSON(b []byte, d *alerts.Document) []byte {
	b = append(b, '{')
	b = appendTimeMember(b, alerts.FieldTimestamp, d.Timestamp, true)
	b = appendTimeMember(b, alerts.FieldIngested, d.Ingested, false)
	b = appendStrMember(b, alerts.FieldKind, d.Kind, false)
	b = appendStrMember(b, alerts.FieldRuleID, d.RuleID, false)
	b = appendStrMember(b, alerts.FieldRuleName, d.RuleName, false)
	b = appendStrMember(b, alerts.FieldRuleAuthor, d.RuleAuthor, true)
	b = appendStrMember(b, alerts.FieldRuleLicense, d.RuleLicense, true)
	b = appendStrMember(b, alerts.FieldRuleSource, d.RuleSource, true)
	b = appendStrMember(b, alerts.FieldRuleset, d.Ruleset, false)
	b = appendStrMember(b, alerts.FieldLevel, d.Level, false)
	b = appendKey(b, alerts.FieldSeverity)
	b = strconv.AppendInt(b, int64(d.Severity), 10)
	b = appendStrsMember(b, alerts.FieldTags, d.Tags)
	b = appendStrMember(b, alerts.FieldGuideline, d.Guideline, true)
	b = appendStrMember(b, alerts.FieldAccount, d.Account, true)
	b = appendStrMember(b, alerts.FieldAccountName, d.AccountName, true)
	b = appendStrMember(b, alerts.FieldRegion, d.Region, true)
	b = appendStrMember(b, alerts.FieldPrincipal, d.Principal, true)
	b = appendStrMember(b, alerts.FieldSourceIP, d.SourceIP, true)
	b = appendStrMember(b, alerts.FieldSource, d.Source, true)
	b = appendStrMember(b, alerts.FieldLogType, d.LogType, true)
	b = appendStrMember(b, alerts.FieldOutcome, d.Outcome, true)
	b = appendStrMember(b, alerts.FieldAction, d.Action, true)
	b = appendStrMember(b, alerts.FieldDocIndex, d.DocIndex, false)
	b = appendStrMember(b, alerts.FieldDocID, d.DocID, false)
	b = appendKey(b, alerts.FieldCount)
	b = strconv.AppendInt(b, int64(d.Count), 10)
	if d.WindowStart != nil {
		b = appendTimeMember(b, alerts.FieldWindowStart, *d.WindowStart, false)
	}
	if d.WindowEnd != nil {
		b = appendTimeMember(b, alerts.FieldWindowEnd, *d.WindowEnd, false)
	}
	b = appendStrsMember(b, alerts.FieldGroup, d.Group)
	b = appendStrMember(b, alerts.FieldGroupKey, d.GroupKey, true)
	b = appendStrMember(b, alerts.FieldDistinct, d.Distinct, true)
	b = appendStrMember(b, alerts.FieldNotify, d.Notify, true)
	return append(b, '}')
}

func appendKey(b []byte, k string) []byte {
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = ecs.AppendJSONString(b, k)
	return append(b, ':')
}

func appendStrMember(b []byte, k, v string, omitEmpty bool) []byte {
	if omitEmpty && v == "" {
		return b
	}
	return ecs.AppendJSONString(appendKey(b, k), v)
}

func appendStrsMember(b []byte, k string, vs []string) []byte {
	if len(vs) == 0 {
		return b
	}
	b = append(appendKey(b, k), '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = ecs.AppendJSONString(b, v)
	}
	return append(b, ']')
}

func appendTimeMember(b []byte, k string, t time.Time, first bool) []byte {
	if first {
		b = ecs.AppendJSONString(b, k)
		b = append(b, ':')
	} else {
		b = appendKey(b, k)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
