package logs

// Trust: where a document's account comes from.
//
// The account of a document is the account of the archive key it was read
// from: the bucket policy (policies.ArchiveBucketPolicy) pins each writer to
// its prefix — the organization trail writes AWSLogs/<org-id>/<account>/...,
// each member account's transfer role writes only CWLogs/<its own
// account>/..., AWS services write AWSLogs/<account>/... for the account that
// configured them — so the key's account names who wrote the object. What a
// record says about its own account (CloudTrail recipientAccountId, the
// CloudWatch Logs owner, a finding's AwsAccountId ...) is a claim:
//
//   - A claim equal to the key's account, or no claim, is the key's account.
//   - A claim of another account from an allow-listed source is believed
//     when the account belongs to the organization (Sources.Member): the
//     organization trail's prefix (Sources.OrgID), the CloudWatch Logs
//     groups named in Sources.MultiAccountGroups (a Control Tower trail's
//     aws-controltower/CloudTrailLogs in the trail-owner account), and
//     GuardDuty's own findings export AWSLogs/<account>/GuardDuty/ (only
//     the GuardDuty service writes there; a delegated administrator's
//     export holds every member account's findings) legitimately carry
//     other accounts' records.
//   - Any other claim is kept as its own document, attributed to the key's
//     account (cloud.account.id), with the claim in orgsiem.claimed_account
//     and the tag TagTampering; the rule pipeline-claimed-account-mismatch
//     raises an alert on it.
//   - A key that names no account (the typed prefixes written by the
//     central Firehose streams, a local file) speaks for the owner in a
//     CloudWatch Logs envelope, as above; otherwise it believes a claim of a
//     member account, and a claim of an account outside the organization is
//     flagged the same way, with no cloud.account.id.
//
// _ids never come from content alone where the writer is a member account:
// every document of the CloudWatch Logs path is namespaced by its source
// (cwSourceID: the key's account and a hash of the log group), so a forged
// CloudTrail eventID under CWLogs/<attacker>/ can never take the _id of the
// organization trail's record of that event.

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// TagTampering is the tags value of a document whose content claims an
// account its source may not speak for (see the Trust comment above).
const TagTampering = "orgsiem-tampering"

// ControlTowerTrailLogGroup is the CloudWatch Logs group AWS Control Tower's
// organization trail delivers to, in the account that owns the trail: the
// managed policy AWSControlTowerCloudTrailRolePolicy lets CloudTrail write
// only to log-group:aws-controltower/CloudTrailLogs*
// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSControlTowerCloudTrailRolePolicy.html).
const ControlTowerTrailLogGroup = "aws-controltower/CloudTrailLogs"

// Sources is what the loader is told about where data may come from: the
// allow-list of sources that legitimately carry other accounts' records,
// the organization's accounts, and the log groups routed to a log type
// beyond the documented defaults (routeLogGroup). The zero value
// allow-lists nothing: every claim of another account is flagged.
type Sources struct {
	// OrgID allow-lists the organization trail's prefix
	// AWSLogs/<OrgID>/<account>/CloudTrail/: CloudTrail itself writes it
	// (the bucket policy pins the trail's ARN), for every member account.
	OrgID string
	// MultiAccountGroups allow-lists CloudWatch Logs groups, each in one
	// account (the CWLogs/<account>/ prefix it arrives under), whose records
	// legitimately belong to other accounts of the organization.
	MultiAccountGroups []LogGroupRef
	// Member reports whether an account belongs to the organization (the
	// account directory). nil believes every claim of an allow-listed source
	// and of a key without account.
	Member func(account string) bool
	// Routes adds exact log group names routed to a log type (VPC flow log
	// groups, EventBridge finding groups, ...); they win over the defaults.
	Routes []LogGroupRoute
}

// LogGroupRef names one log group in one account.
type LogGroupRef struct {
	Account  string // 12-digit owner of the group
	LogGroup string // exact name
}

// LogGroupRoute routes the events of one log group (exact name) to a log
// type: archive.TypeCloudTrail, TypeVPCFlow, TypeLinux, TypeWindows, or
// RouteFinding.
type LogGroupRoute struct {
	LogGroup string
	Type     string
}

// ControlTowerSources returns the allow-list entry of a Control Tower trail
// whose log group lives in the account trailOwner (the management account).
func ControlTowerSources(trailOwner string) LogGroupRef {
	return LogGroupRef{Account: trailOwner, LogGroup: ControlTowerTrailLogGroup}
}

// member reports whether account may be believed as a member.
func (s *Sources) member(account string) bool {
	if s == nil || s.Member == nil {
		return true
	}
	return s.Member(account)
}

// multiAccount reports whether the group of account is allow-listed.
func (s *Sources) multiAccount(account, group string) bool {
	if s == nil || group == "" {
		return false
	}
	for _, g := range s.MultiAccountGroups {
		if g.Account == account && g.LogGroup == group {
			return true
		}
	}
	return false
}

// route returns the configured type of group, "" if none.
func (s *Sources) route(group string) string {
	if s == nil {
		return ""
	}
	for _, r := range s.Routes {
		if r.LogGroup == group {
			return r.Type
		}
	}
	return ""
}

// attribute decides the account of d (see the Trust comment above).
// d.Cloud.AccountID holds the parser's claim, or the key's account when the
// record claims none.
func (o *Output) attribute(d *ecs.Document) {
	claimed, key := d.Cloud.AccountID, o.sourceAccount(d)
	if claimed == key || claimed == "" {
		d.Cloud.AccountID = key
		return
	}
	src := o.obj.Sources
	if key == "" {
		if src.member(claimed) {
			return
		}
		d.Cloud.AccountID = ""
	} else {
		if o.allowListed(d) && src.member(claimed) {
			return
		}
		d.Cloud.AccountID = key
	}
	d.Orgsiem.ClaimedAccount = claimed
	d.Tags = append(d.Tags, TagTampering)
}

// sourceAccount is the account that wrote d's record: the archive key's
// account; for a CloudWatch Logs event under a key without one (a raw
// subscription payload a central Firehose stream delivered to the typed
// prefix cloudwatchlogs/, a local file), the owner CloudWatch Logs wrote
// into the payload's envelope.
func (o *Output) sourceAccount(d *ecs.Document) string {
	if o.obj.Account == "" && isAccountID(d.CloudWatch.Owner) {
		return d.CloudWatch.Owner
	}
	return o.obj.Account
}

// allowListed reports whether d comes from a source allowed to carry other
// accounts' records.
func (o *Output) allowListed(d *ecs.Document) bool {
	src := o.obj.Sources
	switch {
	case d.CloudWatch.LogGroup != "":
		return src.multiAccount(o.sourceAccount(d), d.CloudWatch.LogGroup)
	case o.src.findingsExport && d.Type == archive.TypeGuardDuty:
		return true
	case src != nil && src.OrgID != "" && o.src.orgID == src.OrgID && d.Type == archive.TypeCloudTrail:
		return true
	}
	return false
}

// keySource is what an object's key says about its writer.
type keySource struct {
	// orgID is the organization of an AWSLogs/<org-id>/<account>/ key (the
	// organization trail writes there).
	orgID string
	// findingsExport marks AWSLogs/<account>/GuardDuty/: GuardDuty's own
	// export of findings, which in a delegated administrator account holds
	// the findings of every member account.
	findingsExport bool
}

// sourceOf reads the keySource of a parsed key.
func sourceOf(loc archive.Location) keySource {
	return keySource{
		orgID:          loc.OrgID,
		findingsExport: loc.Source == archive.SourceAWS && loc.LogType == archive.TypeGuardDuty && loc.Account != "" && strings.Contains(loc.Key, "/GuardDuty/"),
	}
}

// cwSourceID namespaces the _id of a record that arrived through
// CloudWatch Logs: "cwl-<account>-<first 64 bits of SHA-256 of the log
// group, hex>-<id>". account is the key's account (or "-").
func cwSourceID(account, group, id string) string {
	if account == "" {
		account = "-"
	}
	sum := sha256.Sum256([]byte(group))
	return "cwl-" + account + "-" + hex.EncodeToString(sum[:8]) + "-" + id
}
