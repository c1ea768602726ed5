// Package alerts is the contract of the alert document: what the loader
// indexes into orgsiem-alerts-YYYY.MM for every rule match, its
// deterministic _id, its index, and the mapping of each field. The loader
// writes these documents, the alerting monitors and the daily report read
// them, and `orgsiem scan` builds the same values in process, so the fields
// are named once, here.
//
// Every field is keyword, date, ip or a number: aggregations and exact
// filters work on each of them with their documented semantics, and no
// detection ever depends on what a text or flat_object field supports in
// search (DESIGN.md, detection runs once, at ingest).
package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
)

// IndexPrefix starts the name of every alert index; indices are monthly by
// the matched event's time, like the log indices.
const IndexPrefix = "orgsiem-alerts-"

// IndexPattern matches every alert index.
const IndexPattern = IndexPrefix + "*"

// Kinds of alert document (orgsiem.kind).
const (
	// KindAlert is a match of an event rule: one document per (rule,
	// matched document).
	KindAlert = "alert"
	// KindSignal is one event that satisfies a threshold rule's condition.
	// Thresholds span objects, accounts and invocations, so they are
	// counted over signals on the domain (bucket-level monitors), never
	// inside one loader invocation.
	KindSignal = "signal"
)

// Field names, ECS where ECS has one, orgsiem.* otherwise.
const (
	FieldTimestamp   = "@timestamp"     // date: the matched event's own time
	FieldIngested    = "event.ingested" // date: when the loader indexed the match
	FieldKind        = "orgsiem.kind"   // keyword: KindAlert or KindSignal
	FieldRuleID      = "rule.id"        // keyword
	FieldRuleName    = "rule.name"      // keyword: the rule's title
	FieldRuleAuthor  = "rule.author"    // keyword (DRL attribution)
	FieldRuleLicense = "rule.license"   // keyword
	FieldRuleSource  = "rule.reference" // keyword: where the rule came from
	FieldRuleset     = "rule.ruleset"   // keyword: "builtin" or "custom"
	FieldLevel       = "log.level"      // keyword: informational .. critical
	FieldSeverity    = "event.severity" // short: 1 (critical) .. 5
	FieldTags        = "tags"           // keyword: ATT&CK, PCI, CIS, NIST ...
	FieldGuideline   = "orgsiem.report" // keyword: pci-01 .. pci-10
	FieldAccount     = "cloud.account.id"
	FieldAccountName = "cloud.account.name"
	FieldRegion      = "cloud.region"
	FieldPrincipal   = "user.name"      // keyword
	FieldSourceIP    = "source.ip"      // ip, only when the source parses as an address
	FieldSource      = "source.address" // keyword: the source as written
	FieldLogType     = "event.dataset"  // keyword: aws.<log type>
	FieldOutcome     = "event.outcome"  // keyword: the matched event's outcome
	FieldAction      = "event.action"   // keyword: the matched event's action (CloudTrail eventName), for the report's evidence
	FieldDocIndex    = "orgsiem.document.index"
	FieldDocID       = "orgsiem.document.id"
	FieldCount       = "orgsiem.count" // long: 1, or a window's event count
	FieldWindowStart = "orgsiem.window.start"
	FieldWindowEnd   = "orgsiem.window.end"
	FieldGroup       = "orgsiem.group" // keyword: "<field>=<value>" per group_by field
	// FieldGroupKey is the whole group of a signal as one keyword (the
	// sorted Group entries joined by GroupKeySep), so a threshold monitor's
	// composite aggregation has one bucket per group however many group_by
	// fields the rule has (a multi-valued orgsiem.group would put a
	// document into one bucket per value).
	FieldGroupKey = "orgsiem.group_key"
	// FieldDistinct is the value of a threshold rule's distinct field on the
	// signal's event: the monitor counts its cardinality.
	FieldDistinct = "orgsiem.distinct"
	// FieldNotify is NotifyOff on alerts that must not page anyone (a
	// backfill with `orgsiem load --no-notify`, a retro-hunt); absent
	// otherwise. The notification monitors exclude NotifyOff.
	FieldNotify = "orgsiem.notify"
)

// NotifyOff is the FieldNotify value of an alert that notifies nobody.
const NotifyOff = "off"

// GroupKeySep separates the "<field>=<value>" entries of FieldGroupKey.
const GroupKeySep = "\n"

// Mapping is the OpenSearch field type of every field, for the index
// template. The template is strict: a document with any other field is
// refused rather than silently mapped.
var Mapping = map[string]string{
	FieldTimestamp: "date", FieldIngested: "date", FieldKind: "keyword",
	FieldRuleID: "keyword", FieldRuleName: "keyword", FieldRuleAuthor: "keyword",
	FieldRuleLicense: "keyword", FieldRuleSource: "keyword", FieldRuleset: "keyword",
	FieldLevel: "keyword", FieldSeverity: "short", FieldTags: "keyword", FieldGuideline: "keyword",
	FieldAccount: "keyword", FieldAccountName: "keyword", FieldRegion: "keyword",
	FieldPrincipal: "keyword", FieldSourceIP: "ip", FieldSource: "keyword",
	FieldLogType: "keyword", FieldOutcome: "keyword", FieldAction: "keyword", FieldDocIndex: "keyword", FieldDocID: "keyword",
	FieldCount: "long", FieldWindowStart: "date", FieldWindowEnd: "date", FieldGroup: "keyword",
	FieldGroupKey: "keyword", FieldDistinct: "keyword", FieldNotify: "keyword",
}

// Document is one alert or signal as indexed. Field tags are the dotted
// names above; the JSON is flat (dotted keys), which OpenSearch maps as
// the object paths the template declares.
type Document struct {
	ID    string `json:"-"`
	Index string `json:"-"`

	Timestamp   time.Time  `json:"@timestamp"`
	Ingested    time.Time  `json:"event.ingested"`
	Kind        string     `json:"orgsiem.kind"`
	RuleID      string     `json:"rule.id"`
	RuleName    string     `json:"rule.name"`
	RuleAuthor  string     `json:"rule.author,omitempty"`
	RuleLicense string     `json:"rule.license,omitempty"`
	RuleSource  string     `json:"rule.reference,omitempty"`
	Ruleset     string     `json:"rule.ruleset"`
	Level       string     `json:"log.level"`
	Severity    int        `json:"event.severity"`
	Tags        []string   `json:"tags,omitempty"`
	Guideline   string     `json:"orgsiem.report,omitempty"`
	Account     string     `json:"cloud.account.id,omitempty"`
	AccountName string     `json:"cloud.account.name,omitempty"`
	Region      string     `json:"cloud.region,omitempty"`
	Principal   string     `json:"user.name,omitempty"`
	SourceIP    string     `json:"source.ip,omitempty"`
	Source      string     `json:"source.address,omitempty"`
	LogType     string     `json:"event.dataset,omitempty"`
	Outcome     string     `json:"event.outcome,omitempty"`
	Action      string     `json:"event.action,omitempty"`
	DocIndex    string     `json:"orgsiem.document.index"`
	DocID       string     `json:"orgsiem.document.id"`
	Count       int        `json:"orgsiem.count"`
	WindowStart *time.Time `json:"orgsiem.window.start,omitempty"`
	WindowEnd   *time.Time `json:"orgsiem.window.end,omitempty"`
	Group       []string   `json:"orgsiem.group,omitempty"`
	GroupKey    string     `json:"orgsiem.group_key,omitempty"`
	Distinct    string     `json:"orgsiem.distinct,omitempty"`
	Notify      string     `json:"orgsiem.notify,omitempty"`
}

// Rulesets (rule.ruleset).
const (
	RulesetBuiltin = "builtin"
	RulesetCustom  = "custom"
)

// Source describes the matched document beyond what detect.Alert carries.
type Source struct {
	LogType     string // the document's log type (ecs.Document.Type)
	Outcome     string // event.outcome of the matched document
	Action      string // event.action of the matched document
	AccountName string // cloud.account.name, when enriched
	Ruleset     string // RulesetBuiltin (default) or RulesetCustom
	// Distinct is the value of the threshold rule's distinct field on the
	// matched event (signals of distinct-count rules).
	Distinct string
	// NoNotify marks the alert as one no notification monitor sends
	// (FieldNotify = NotifyOff).
	NoNotify bool
}

// ID is the deterministic _id of the alert of rule on the document with
// _id docID: redelivery of the object and re-runs of a hunt write the same
// alert again, which a create-only index answers with 409.
func ID(ruleID, docID string) string {
	h := sha256.Sum256([]byte(ruleID + "\x00" + docID))
	return hex.EncodeToString(h[:16])
}

// Index is the alert index of an event time: orgsiem-alerts-YYYY.MM (UTC).
func Index(t time.Time) string { return IndexPrefix + t.UTC().Format("2006.01") }

// FromAlert builds the document of a matcher alert. kind is KindAlert for
// event rules and KindSignal for a threshold rule's per-event match;
// ingested is the loader's clock.
func FromAlert(a detect.Alert, kind string, src Source, ingested time.Time) Document {
	d := Document{
		ID:        ID(a.RuleID, a.DocID),
		Index:     Index(a.Time),
		Timestamp: a.Time.UTC(), Ingested: ingested.UTC(), Kind: kind,
		RuleID: a.RuleID, RuleName: a.Title, RuleAuthor: a.Author, RuleLicense: a.License, RuleSource: a.RuleSource,
		Ruleset: src.Ruleset, Level: a.Level, Severity: a.Severity,
		Account: a.Account, AccountName: src.AccountName, Region: a.Region, Principal: a.Principal,
		Source: a.Source, LogType: src.LogType, Outcome: src.Outcome, Action: src.Action,
		DocIndex: a.Index, DocID: a.DocID, Count: max(a.Count, 1),
	}
	if d.Ruleset == "" {
		d.Ruleset = RulesetBuiltin
	}
	if src.LogType != "" {
		d.LogType = "aws." + src.LogType
	}
	if _, err := netip.ParseAddr(a.Source); err == nil {
		d.SourceIP = a.Source
	}
	if r := a.Rule; r != nil {
		d.Tags = r.Tags
		d.Guideline = r.Report
	}
	if !a.WindowStart.IsZero() {
		s, e := a.WindowStart.UTC(), a.WindowEnd.UTC()
		d.WindowStart, d.WindowEnd = &s, &e
	}
	for k, v := range a.Group {
		d.Group = append(d.Group, k+"="+v)
	}
	sort.Strings(d.Group)
	d.GroupKey = strings.Join(d.Group, GroupKeySep)
	d.Distinct = src.Distinct
	if src.NoNotify {
		d.Notify = NotifyOff
	}
	return d
}

// JSON encodes the document body (without _id and index).
func (d *Document) JSON() ([]byte, error) { return json.Marshal(d) }
