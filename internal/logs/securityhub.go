package logs

// AWS Security Hub (CSPM) findings in the AWS Security Finding Format (ASFF).
// ASFF:        https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html
// EventBridge: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html
//
// NOTE for the CloudWatch Logs router (logs-core): findingMessage below maps
// ONE EventBridge event put into a log group: a GuardDuty finding event
// (d.Type "guardduty") or a Security Hub findings event holding exactly one
// finding (d.Type "securityhub"). A Security Hub event with several findings
// returns an error naming the count (its findings cannot share one document
// and one log event id); route such log groups' messages through Normalize
// with Type "securityhub" instead, where each finding is its own record.
//
// Delivery shapes, each record told apart by its keys:
//   - EventBridge events (source aws.securityhub, detail-type "Security Hub
//     Findings - Imported" or "- Custom Action", detail.findings[]) archived
//     through Firehose, one per line or back to back;
//   - raw ASFF findings, one per line, pretty-printed, or a JSON array of them
//     (API/CLI output, BatchImportFindings input).
//
// Positions: every finding is one record. An event with three findings
// takes three consecutive positions (log.offset), so the Stats count
// findings, Object.SkipRecords resumes in the middle of an event, and a bad
// finding costs only its own record. An event whose findings list is empty
// takes one position and is skipped as "securityhub-empty-event"; "Security
// Hub Insight Results" events are skipped as "securityhub-insight-results";
// other detail-types (such as the OCSF "Findings Imported V2" of the newer
// Security Hub) are error documents, so they are seen rather than lost.
//
// ECS mapping: event.kind alert; @timestamp = UpdatedAt; event.created =
// CreatedAt; event.id and _id = Id + "-" + UpdatedAt (RFC 3339, UTC);
// event.severity = Severity.Normalized when it lies in the band of
// Severity.Label, else the floor of that band (INFORMATIONAL 0, LOW 1, MEDIUM
// 40, HIGH 70, CRITICAL 90), Normalized alone when there is no Label;
// event.outcome from Compliance.Status (PASSED success, FAILED failure,
// other unknown); rule.id = Compliance.SecurityControlId or GeneratorId,
// rule.name = Title, rule.description = Description, rule.ruleset = the
// standard (ProductFields StandardsArn / StandardsGuideArn, else the first
// AssociatedStandards id), rule.category = the first of Types; cloud.* from
// AwsAccountId, AwsAccountName and Region (else the first resource's region,
// else the event's); source/destination from Network or from the remote IP
// of Action.
//
// Counting GuardDuty once: observer.product is ProductName, or
// ProductFields."aws/securityhub/ProductName" for findings older than the
// top-level ProductName; GuardDuty findings imported into Security Hub have
// observer.product "GuardDuty" (and ProductArn ending in
// /product/aws/guardduty). Detections over both indices exclude
// observer.product:GuardDuty from the Security Hub side; GuardDuty documents
// carry observer.product "GuardDuty" too, so one query counts them once.
//
// Reading: see findings.go. ProductFields, Resources, Network and Action are
// free-form: the mapping reads them best effort, a part of another JSON type
// than it expects counts as absent.
//
// aws.securityhub is the finding; Resources, ProductFields, Action, Network,
// Remediation and the other nested parts are flat_object (Resources[].Details
// differs per resource type); events add eventbridge (the envelope without
// detail).

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Slots of securityHubShape.
const (
	shID = iota
	shProductName
	shCompanyName
	shRegion
	shGeneratorID
	shAwsAccountID
	shAwsAccountName
	shTypes
	shCreatedAt
	shUpdatedAt
	shTitle
	shDescription
	shSeverityLabel
	shSeverityNormalized
	shComplianceStatus
	shSecurityControlID
	shAssociatedStandards
	shProductFields
	shResources
	shNetwork
	shAction
)

// securityHubShape checks every declared aws.securityhub field of a
// finding (see jsonshape.go).
var securityHubShape = newRecordShape("securityhub", shapeSpec{
	lists: map[string]arity{
		"Types":                          listOf,
		"Compliance.RelatedRequirements": listOf,
		"Compliance.AssociatedStandards": listOf,
		"Compliance.StatusReasons":       listOf,
	},
	slots: []string{
		shID:                  "Id",
		shProductName:         "ProductName",
		shCompanyName:         "CompanyName",
		shRegion:              "Region",
		shGeneratorID:         "GeneratorId",
		shAwsAccountID:        "AwsAccountId",
		shAwsAccountName:      "AwsAccountName",
		shTypes:               "Types",
		shCreatedAt:           "CreatedAt",
		shUpdatedAt:           "UpdatedAt",
		shTitle:               "Title",
		shDescription:         "Description",
		shSeverityLabel:       "Severity.Label",
		shSeverityNormalized:  "Severity.Normalized",
		shComplianceStatus:    "Compliance.Status",
		shSecurityControlID:   "Compliance.SecurityControlId",
		shAssociatedStandards: "Compliance.AssociatedStandards",
		shProductFields:       "ProductFields",
		shResources:           "Resources",
		shNetwork:             "Network",
		shAction:              "Action",
	},
})

func parseSecurityHub(in *Input, out *Output) error {
	p := newFindingParser("securityhub", securityHubShape)
	return readJSONRecords(in, out, true, p.securityHubRecord, nil)
}

func (p *findingParser) securityHubRecord(out *Output, raw []byte, line int64) error {
	r := &p.rec
	if err := r.read(raw); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	if !r.isEvent() {
		return p.securityHubFinding(out, jsonSpan{0, len(raw)}, false, line, 0)
	}
	var skip string
	var err error
	p.findings, skip, err = securityHubEventFindings(r, p.findings[:0])
	switch {
	case skip != "":
		out.Skip(skip)
		return nil
	case err != nil:
		return out.Fail(raw, lineError(line, err))
	}
	for i, f := range p.findings {
		if err := p.securityHubFinding(out, f, true, line, i); err != nil {
			return err
		}
	}
	return nil
}

// securityHubEventFindings appends the findings of the Security Hub
// EventBridge event r has read to findings, or returns the skip reason for
// events that hold none.
func securityHubEventFindings(r *findingRecord, findings []jsonSpan) (_ []jsonSpan, skip string, err error) {
	env, v := &r.env, &r.v
	if env.source != "aws.securityhub" {
		return nil, "", fmt.Errorf("EventBridge event from %q (%s) is not a Security Hub event", env.source, env.detailType)
	}
	switch {
	case env.detailType == "Security Hub Insight Results":
		return nil, "securityhub-insight-results", nil
	case !strings.HasPrefix(env.detailType, "Security Hub Findings - "):
		return nil, "", fmt.Errorf("Security Hub detail-type %q is not an ASFF findings event", env.detailType)
	}
	detail := env.detail
	switch {
	case detail.hi == detail.lo:
		return nil, "", errors.New("Security Hub findings event has no detail")
	case v.raw[detail.lo] != '{' && v.raw[detail.lo] != 'n':
		return nil, "", fmt.Errorf("detail is %s, not a JSON object", v.jsonTypeName(detail))
	}
	list := v.get(detail, "findings")
	if v.has(list) && v.raw[list.lo] != '[' {
		return nil, "", fmt.Errorf("detail.findings is %s, not a JSON array", v.jsonTypeName(list))
	}
	v.elements(list, func(f jsonSpan) bool {
		findings = append(findings, f)
		return true
	})
	if len(findings) == 0 {
		return nil, "securityhub-empty-event", nil
	}
	return findings, "", nil
}

// securityHubFinding emits the finding at f, one of the event's findings
// (index) or the record itself.
func (p *findingParser) securityHubFinding(out *Output, f jsonSpan, inEvent bool, line int64, index int) error {
	d := out.Doc()
	if err := mapSecurityHubFinding(d, p.aws, &p.rec, f, inEvent); err != nil {
		if inEvent {
			err = fmt.Errorf("finding %d: %w", index, err)
		}
		return out.Fail(p.rec.v.raw[f.lo:f.hi], lineError(line, err))
	}
	return out.Emit(d)
}

// mapSecurityHubFinding maps one ASFF finding, at f in the record r has
// read with securityHubShape, into d and sets d.AWS from w. inEvent says
// that f is one of the findings of the EventBridge event r holds; else f is
// the record, a raw finding, which read has checked.
func mapSecurityHubFinding(d *ecs.Document, w *awsObject, r *findingRecord, f jsonSpan, inEvent bool) error {
	v := &r.v
	if inEvent {
		if v.raw[f.lo] != '{' {
			return errors.New("finding is not a JSON object")
		}
		if err := r.shape.readIn(v, f); err != nil {
			return err
		}
	} else if r.rawErr != nil {
		return r.rawErr
	}
	w.reset()
	if inEvent {
		w.extra("eventbridge", r.env.metadata())
		// The event's account and region; the finding's own win below.
		setCloudDefaults(d, r.env.account, r.env.region)
	}
	if err := mapSecurityHub(d, v); err != nil {
		return err
	}
	d.AWS = w.build(v.raw[f.lo:f.hi])
	return nil
}

func mapSecurityHub(d *ecs.Document, v *shapeValues) error {
	id, updatedAt := v.str(v.val(shID)), v.str(v.val(shUpdatedAt))
	if id == "" {
		return errors.New("finding has no Id")
	}
	if updatedAt == "" {
		return errors.New("finding has no UpdatedAt")
	}
	updated, err := parseJSONTime(updatedAt)
	if err != nil {
		return fmt.Errorf("UpdatedAt: %w", err)
	}
	d.Timestamp = updated
	if createdAt := v.str(v.val(shCreatedAt)); createdAt != "" {
		created, err := parseJSONTime(createdAt)
		if err != nil {
			return fmt.Errorf("CreatedAt: %w", err)
		}
		d.Event.Created = created
	}
	d.ID = findingID(id, updated)
	d.Event.ID = d.ID
	d.Event.Kind = "alert"
	d.Event.Type = typeInfo
	d.Event.Provider = "securityhub"
	var normalized *int64
	if n, ok := v.int(v.val(shSeverityNormalized)); ok {
		normalized = &n
	}
	d.Event.Severity = asffSeverity(v.str(v.val(shSeverityLabel)), normalized)
	switch v.str(v.val(shComplianceStatus)) {
	case "":
		d.Event.Category = categoryThreat
	case "PASSED":
		d.Event.Category, d.Event.Outcome = categoryConfiguration, "success"
	case "FAILED":
		d.Event.Category, d.Event.Outcome = categoryConfiguration, "failure"
	default:
		d.Event.Category, d.Event.Outcome = categoryConfiguration, "unknown"
	}

	var pf [4]jsonSpan
	v.getAll(v.val(shProductFields), []string{"aws/securityhub/ProductName", "aws/securityhub/CompanyName", "StandardsArn", "StandardsGuideArn"}, pf[:])
	pfProduct, pfCompany, pfStandards, pfGuide := v.str(pf[0]), v.str(pf[1]), v.str(pf[2]), v.str(pf[3])
	d.Observer.Vendor = firstNonEmpty(v.str(v.val(shCompanyName)), pfCompany)
	d.Observer.Product = firstNonEmpty(v.str(v.val(shProductName)), pfProduct)
	d.Observer.Type = "finding"

	d.Rule.ID = firstNonEmpty(v.str(v.val(shSecurityControlID)), v.str(v.val(shGeneratorID)))
	d.Rule.Name = v.str(v.val(shTitle))
	d.Rule.Description = v.str(v.val(shDescription))
	d.Rule.Ruleset = firstNonEmpty(pfStandards, pfGuide)
	if d.Rule.Ruleset == "" {
		if std, ok := v.first(v.val(shAssociatedStandards)); ok {
			d.Rule.Ruleset = v.str(v.get(std, "StandardsId"))
		}
	}
	if typ, ok := v.first(v.val(shTypes)); ok {
		d.Rule.Category = v.str(typ)
	}

	if account := v.str(v.val(shAwsAccountID)); account != "" {
		d.Cloud.AccountID = account
	}
	d.Cloud.AccountName = v.str(v.val(shAwsAccountName))
	region := v.str(v.val(shRegion))
	if region == "" {
		if res, ok := v.first(v.val(shResources)); ok {
			region = v.str(v.get(res, "Region"))
		}
	}
	if region != "" {
		d.Cloud.Region = region
	}

	if network := v.val(shNetwork); network.hi > network.lo {
		mapSecurityHubNetwork(d, v, network)
	}
	if action := v.val(shAction); action.hi > action.lo {
		mapSecurityHubAction(d, v, action)
	}
	d.Network.Type = ipNetworkType(firstNonEmpty(d.Source.IP, d.Destination.IP))
	return nil
}

// mapSecurityHubNetwork maps Network (present, possibly null).
func mapSecurityHubNetwork(d *ecs.Document, v *shapeValues, network jsonSpan) {
	var n [9]jsonSpan
	v.getAll(network, []string{"Direction", "Protocol", "SourceIpV4", "SourceIpV6", "SourcePort", "SourceDomain",
		"DestinationIpV4", "DestinationIpV6", "DestinationPort"}, n[:])
	direction, protocol := v.str(n[0]), v.str(n[1])
	addRelatedIP(d, setEndpoint(&d.Source, firstNonEmpty(v.str(n[2]), v.str(n[3]))))
	d.Source.Port = asffPort(v, n[4])
	d.Source.Domain = v.str(n[5])
	addRelatedIP(d, setEndpoint(&d.Destination, firstNonEmpty(v.str(n[6]), v.str(n[7]))))
	d.Destination.Port = asffPort(v, n[8])
	d.Network.Transport = strings.ToLower(protocol)
	switch direction {
	case "IN":
		d.Network.Direction = "ingress"
	case "OUT":
		d.Network.Direction = "egress"
	}
}

// asffPort reads a port that ASFF declares an integer but some finding
// providers write as a string ("443"): either form from 0 to 65535, else 0.
func asffPort(v *shapeValues, s jsonSpan) int64 {
	n, ok := v.int(s)
	if !ok && v.isString(s) {
		n, ok = parseDecimal(v.str(s))
	}
	if !ok || n < 0 || n > 65535 {
		return 0
	}
	return n
}

// mapSecurityHubAction maps Action (present, possibly null).
func mapSecurityHubAction(d *ecs.Document, v *shapeValues, action jsonSpan) {
	var a [5]jsonSpan
	v.getAll(action, []string{"ActionType", "AwsApiCallAction", "NetworkConnectionAction", "PortProbeAction", "DnsRequestAction"}, a[:])
	remoteIP := func(parent jsonSpan) string {
		return v.str(v.get(v.get(parent, "RemoteIpDetails"), "IpAddressV4"))
	}
	d.Event.Action = v.str(a[0])
	if d.Source.IP == "" && d.Source.Address == "" {
		ip := firstNonEmpty(remoteIP(a[1]), remoteIP(a[2]))
		if probe, ok := v.first(v.get(a[3], "PortProbeDetails")); ok && ip == "" {
			ip = remoteIP(probe)
		}
		addRelatedIP(d, setEndpoint(&d.Source, ip))
	}
	d.DNS.QuestionName = strings.TrimSuffix(v.str(v.get(a[4], "Domain")), ".")
}

// asffSeverity is event.severity of an ASFF finding (see the file comment).
func asffSeverity(label string, normalized *int64) int64 {
	lo, hi := int64(-1), int64(-1)
	switch strings.ToUpper(label) {
	case "INFORMATIONAL":
		lo, hi = 0, 0
	case "LOW":
		lo, hi = 1, 39
	case "MEDIUM":
		lo, hi = 40, 69
	case "HIGH":
		lo, hi = 70, 89
	case "CRITICAL":
		lo, hi = 90, 100
	}
	switch {
	case lo < 0 && normalized != nil:
		return *normalized
	case lo < 0:
		return 0
	case normalized != nil && *normalized >= lo && *normalized <= hi:
		return *normalized
	}
	return lo
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// findingMessage maps one EventBridge event delivered to a CloudWatch log
// group (the message of one log event) into d, which the CloudWatch Logs
// router has pre-filled: a GuardDuty finding event (d.Type "guardduty") or a
// Security Hub findings event with exactly one finding (d.Type
// "securityhub"); see the note at the top of this file. The message is
// validated and its envelope read once; the finding is read where it lies.
func findingMessage(msg []byte, d *ecs.Document) error {
	// Read as a GuardDuty record: an aws.guardduty event without a
	// detail-type is mapped as a raw GuardDuty finding, as the GuardDuty
	// parser maps it.
	r := findingRecord{shape: guardDutyShape}
	if err := r.read(msg); err != nil {
		return fmt.Errorf("finding event: %w", err)
	}
	switch r.env.source {
	case "aws.guardduty":
		d.Type = "guardduty"
		d.Event.Dataset = "aws.guardduty"
		err := mapGuardDutyRecord(d, newAWSObject("guardduty"), &r)
		if errors.Is(err, errSkipStatusEvent) {
			return fmt.Errorf("GuardDuty event %q is not a finding", r.env.detailType)
		}
		return err
	case "aws.securityhub":
		r.shape = securityHubShape
		findings, skip, err := securityHubEventFindings(&r, nil)
		if err != nil {
			return err
		}
		if skip != "" {
			return fmt.Errorf("Security Hub event %q holds no findings", r.env.detailType)
		}
		if len(findings) != 1 {
			return fmt.Errorf("Security Hub event holds %d findings; one log event maps to one document, so only single-finding events can be routed here", len(findings))
		}
		d.Type = "securityhub"
		d.Event.Dataset = "aws.securityhub"
		return mapSecurityHubFinding(d, newAWSObject("securityhub"), &r, findings[0], true)
	case "aws.config":
		err := configMessage(msg, d)
		if errors.Is(err, errConfigNotification) {
			return fmt.Errorf("AWS Config event %q is not a change", r.env.detailType)
		}
		return err
	case "":
		return errors.New("message is not an EventBridge event (no source)")
	}
	return fmt.Errorf("EventBridge event from %q is neither GuardDuty, Security Hub nor AWS Config", r.env.source)
}
