package logs

// Amazon GuardDuty findings.
// Finding format: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-format.html
// EventBridge:    https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
// S3 export:      https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
//
// Delivery shapes, each record told apart by its keys:
//   - the GuardDuty S3 export: one raw finding per line (jsonl.gz);
//   - EventBridge events (detail-type "GuardDuty Finding", detail = the
//     finding), archived through Firehose one per line or back to back, or
//     put into a CloudWatch log group (see findingMessage in securityhub.go);
//   - API/CLI output saved as a JSON array of findings, or one
//     pretty-printed finding.
//
// A record with a "detail-type" key is an EventBridge event; other GuardDuty
// detail-types (runtime or malware protection status) are skipped as
// "guardduty-status-event"; events of other sources are error documents.
//
// ECS mapping: event.kind alert; @timestamp = updatedAt; event.created =
// createdAt; event.id and _id = id + "-" + updatedAt (RFC 3339, UTC), so an
// updated finding is a new document and a redelivery overwrites the same one
// (aws.guardduty.id keeps the finding id for grouping versions);
// event.severity = severity × 10 rounded (GuardDuty 0.1–10 onto the
// 0–100 scale of ASFF Severity.Normalized, whose bands it matches: 90+
// critical, 70–89 high, 40–69 medium, 1–39 low); rule.name = type, rule.category its threat
// purpose (the part before ':'), rule.description = title; cloud.* from
// accountId/region; source.ip (and geo, AS) from the remote IP of the action
// (destination for an OUTBOUND network connection); dns.question.name from a
// DNS_REQUEST action, with network.transport from its protocol; user.name
// and user.id from resource.accessKeyDetails, or for EKS findings from
// resource.kubernetesDetails.kubernetesUserDetails (username, uid, groups as
// user.roles), the name also in related.user; cloud.instance.id from
// resource.instanceDetails and every address of its networkInterfaces in
// related.ip; observer.product "GuardDuty".
//
// Reading: see findings.go. resource and service are free-form: the mapping
// reads them best effort, a part of another JSON type than it expects counts
// as absent (its ECS copy is left out, the finding is still a document).
//
// aws.guardduty is the finding; resource and service are flat_object.
// Added fields: sample (boolean, always written: true when
// service.additionalInfo.sample is true — GuardDuty's generated sample
// findings, still indexed as alerts so the pipeline can be tested, and
// excluded by detections with aws.guardduty.sample:false), archived
// (boolean, service.archived) and, for EventBridge events, eventbridge (id,
// time, source, account, region, detail-type of the envelope).

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Slots of guardDutyShape.
const (
	gdID = iota
	gdType
	gdTitle
	gdDescription
	gdSeverity
	gdCreatedAt
	gdUpdatedAt
	gdAccountID
	gdRegion
	gdResource
	gdService
)

// guardDutyShape checks every declared aws.guardduty field of a finding
// (see jsonshape.go). sample and archived are written by the parser over
// any original value, so the finding's own are not checked.
var guardDutyShape = newRecordShape("guardduty", shapeSpec{
	own: []string{"sample", "archived"},
	slots: []string{
		gdID:          "id",
		gdType:        "type",
		gdTitle:       "title",
		gdDescription: "description",
		gdSeverity:    "severity",
		gdCreatedAt:   "createdAt",
		gdUpdatedAt:   "updatedAt",
		gdAccountID:   "accountId",
		gdRegion:      "region",
		gdResource:    "resource",
		gdService:     "service",
	},
})

var (
	categoryThreat        = []string{"threat"}
	categoryConfiguration = []string{"configuration"}
	typeInfo              = []string{"info"}
)

// errSkipStatusEvent marks an EventBridge event of a finding source that is
// not a finding.
var errSkipStatusEvent = errors.New("not a finding event")

// findingParser keeps what is reused across the records of an object.
type findingParser struct {
	aws      *awsObject
	rec      findingRecord
	findings []jsonSpan
}

func newFindingParser(logType string, shape *recordShape) *findingParser {
	return &findingParser{aws: newAWSObject(logType), rec: findingRecord{shape: shape}}
}

func parseGuardDuty(in *Input, out *Output) error {
	p := newFindingParser("guardduty", guardDutyShape)
	return readJSONRecords(in, out, true, p.guardDutyRecord, nil)
}

func (p *findingParser) guardDutyRecord(out *Output, raw []byte, line int64) error {
	if err := p.rec.read(raw); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	err := mapGuardDutyRecord(d, p.aws, &p.rec)
	if errors.Is(err, errSkipStatusEvent) {
		out.Skip("guardduty-status-event")
		return nil
	}
	if err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	return out.Emit(d)
}

// mapGuardDutyRecord maps the record r has read with guardDutyShape, a raw
// finding or a GuardDuty EventBridge event, into d, and sets d.AWS from w.
func mapGuardDutyRecord(d *ecs.Document, w *awsObject, r *findingRecord) error {
	w.reset()
	v := &r.v
	finding := v.raw
	if env := &r.env; r.isEvent() {
		if env.source != "aws.guardduty" {
			return fmt.Errorf("EventBridge event from %q (%s) is not a GuardDuty finding", env.source, env.detailType)
		}
		if env.detailType != "GuardDuty Finding" {
			return errSkipStatusEvent
		}
		if !v.has(env.detail) || v.raw[env.detail.lo] != '{' {
			return errors.New("GuardDuty Finding event has no detail object")
		}
		if err := r.shape.readIn(v, env.detail); err != nil {
			return err
		}
		finding = v.raw[env.detail.lo:env.detail.hi]
		w.extra("eventbridge", env.metadata())
		// The event's account and region; the finding's own win below.
		setCloudDefaults(d, env.account, env.region)
	} else if r.rawErr != nil {
		return r.rawErr
	}
	if err := mapGuardDuty(d, v, w); err != nil {
		return err
	}
	d.AWS = w.build(finding)
	return nil
}

func mapGuardDuty(d *ecs.Document, v *shapeValues, w *awsObject) error {
	id, updatedAt := v.str(v.val(gdID)), v.str(v.val(gdUpdatedAt))
	if id == "" {
		return errors.New("finding has no id")
	}
	if updatedAt == "" {
		return errors.New("finding has no updatedAt")
	}
	updated, err := parseJSONTime(updatedAt)
	if err != nil {
		return fmt.Errorf("updatedAt: %w", err)
	}
	d.Timestamp = updated
	if createdAt := v.str(v.val(gdCreatedAt)); createdAt != "" {
		created, err := parseJSONTime(createdAt)
		if err != nil {
			return fmt.Errorf("createdAt: %w", err)
		}
		d.Event.Created = created
	}
	d.ID = findingID(id, updated)
	d.Event.ID = d.ID
	d.Event.Kind = "alert"
	d.Event.Category = categoryThreat
	d.Event.Type = typeInfo
	d.Event.Provider = "guardduty"
	if sev, ok := v.float(v.val(gdSeverity)); ok {
		d.Event.Severity = int64(math.Round(sev * 10))
	}
	typ := v.str(v.val(gdType))
	d.Rule.Name = typ
	d.Rule.ID = typ
	if i := strings.IndexByte(typ, ':'); i > 0 {
		d.Rule.Category = typ[:i]
	}
	d.Rule.Description = v.str(v.val(gdTitle))
	d.Message = v.str(v.val(gdDescription))
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "GuardDuty", Type: "ids"}
	if account := v.str(v.val(gdAccountID)); account != "" {
		d.Cloud.AccountID = account
	}
	if region := v.str(v.val(gdRegion)); region != "" {
		d.Cloud.Region = region
	}

	var svc gdServiceParts
	svc.read(v, v.val(gdService))
	w.extra("sample", jsonBool(svc.sample))
	w.extra("archived", jsonBool(svc.archived))
	svc.mapAction(d, v)

	var res [3]jsonSpan
	var key [2]jsonSpan
	v.getAll(v.val(gdResource), []string{"accessKeyDetails", "instanceDetails", "kubernetesDetails"}, res[:])
	v.getAll(res[0], []string{"userName", "principalId"}, key[:])
	d.User.Name, d.User.ID = v.str(key[0]), v.str(key[1])
	if k8s := v.get(res[2], "kubernetesUserDetails"); v.has(k8s) {
		// EKS findings: the Kubernetes user the API call was made as
		// (username, uid, groups).
		var u [3]jsonSpan
		v.getAll(k8s, []string{"username", "uid", "groups"}, u[:])
		if name := v.str(u[0]); name != "" {
			d.User.Name = name
		}
		if uid := v.str(u[1]); uid != "" {
			d.User.ID = uid
		}
		v.elements(u[2], func(g jsonSpan) bool {
			if r := v.str(g); r != "" {
				d.User.Roles = append(d.User.Roles, r)
			}
			return true
		})
	}
	if id := v.get(res[1], "instanceId"); id.hi > id.lo {
		d.Cloud.InstanceID = v.str(id)
	}
	gdInstanceIPs(d, v, v.get(res[1], "networkInterfaces"))
	if d.User.Name != "" {
		d.Related.User = append(d.Related.User, d.User.Name)
	}
	return nil
}

// gdInstanceIPs adds the addresses of the instance's network interfaces
// (privateIpAddress, privateIpAddresses[].privateIpAddress, publicIp,
// ipv6Addresses[]) to related.ip.
func gdInstanceIPs(d *ecs.Document, v *shapeValues, nics jsonSpan) {
	add := func(s jsonSpan) {
		if ip := validIP(v.str(s)); ip != "" {
			addRelatedIP(d, ip)
		}
	}
	v.elements(nics, func(nic jsonSpan) bool {
		var f [4]jsonSpan
		v.getAll(nic, []string{"privateIpAddress", "privateIpAddresses", "publicIp", "ipv6Addresses"}, f[:])
		add(f[0])
		v.elements(f[1], func(e jsonSpan) bool {
			add(v.get(e, "privateIpAddress"))
			return true
		})
		add(f[2])
		v.elements(f[3], func(e jsonSpan) bool {
			add(e)
			return true
		})
		return true
	})
}

// gdServiceParts is what the mapping reads of service: flags and the action,
// whose parts stay spans of the record. An action part counts when its key
// is present and not null.
type gdServiceParts struct {
	sample, archived bool // service.additionalInfo.sample, service.archived
	actionType       string
	// The action objects, by key.
	apiCall, network, kubernetes, rdsLogin, portProbe, dnsRequest jsonSpan
}

func (s *gdServiceParts) read(v *shapeValues, svc jsonSpan) {
	var parts [3]jsonSpan
	v.getAll(svc, []string{"archived", "additionalInfo", "action"}, parts[:])
	s.archived = v.isTrue(parts[0])
	s.sample = v.isTrue(v.get(parts[1], "sample"))
	var a [7]jsonSpan
	v.getAll(parts[2], []string{"actionType", "awsApiCallAction", "networkConnectionAction", "kubernetesApiCallAction",
		"rdsLoginAttemptAction", "portProbeAction", "dnsRequestAction"}, a[:])
	s.actionType = v.str(a[0])
	s.apiCall, s.network, s.kubernetes, s.rdsLogin, s.portProbe, s.dnsRequest = a[1], a[2], a[3], a[4], a[5], a[6]
}

func (s *gdServiceParts) mapAction(d *ecs.Document, v *shapeValues) {
	d.Event.Action = s.actionType
	var remote jsonSpan
	var probe jsonSpan
	var probed bool
	if v.has(s.portProbe) {
		probe, probed = v.first(v.get(s.portProbe, "portProbeDetails"))
	}
	switch {
	case v.has(s.apiCall):
		remote = v.get(s.apiCall, "remoteIpDetails")
	case v.has(s.network):
		var n [6]jsonSpan
		v.getAll(s.network, []string{"connectionDirection", "protocol", "remoteIpDetails", "localIpDetails",
			"remotePortDetails", "localPortDetails"}, n[:])
		direction, protocol, local := v.str(n[0]), v.str(n[1]), n[3]
		remote = n[2]
		remotePort, localPort := gdPort(v, n[4]), gdPort(v, n[5])
		d.Network.Transport = strings.ToLower(protocol)
		if strings.EqualFold(direction, "OUTBOUND") {
			setRemoteIP(d, &d.Destination, v, remote)
			d.Destination.Port = remotePort
			setRemoteIP(d, &d.Source, v, local)
			d.Source.Port = localPort
			d.Network.Direction = "egress"
			return
		}
		d.Source.Port = remotePort
		setRemoteIP(d, &d.Destination, v, local)
		d.Destination.Port = localPort
		if strings.EqualFold(direction, "INBOUND") {
			d.Network.Direction = "ingress"
		}
	case v.has(s.kubernetes):
		remote = v.get(s.kubernetes, "remoteIpDetails")
	case v.has(s.rdsLogin):
		remote = v.get(s.rdsLogin, "remoteIpDetails")
	case probed:
		remote = v.get(probe, "remoteIpDetails")
		d.Destination.Port = gdPort(v, v.get(probe, "localPortDetails"))
		d.Network.Direction = "ingress"
	case v.has(s.dnsRequest):
		var dns [2]jsonSpan
		v.getAll(s.dnsRequest, []string{"domain", "protocol"}, dns[:])
		d.DNS.QuestionName = strings.TrimSuffix(v.str(dns[0]), ".")
		d.Network.Protocol = "dns"
		d.Network.Transport = strings.ToLower(v.str(dns[1]))
	}
	setRemoteIP(d, &d.Source, v, remote)
}

// gdPort reads port of a remotePortDetails / localPortDetails object (0
// when it is not a whole number).
func gdPort(v *shapeValues, details jsonSpan) int64 {
	n, _ := v.int(v.get(details, "port"))
	return n
}

// setRemoteIP fills e (ip, geo, AS) from the GuardDuty IP details at r
// (remoteIpDetails / localIpDetails; nothing when absent or null).
func setRemoteIP(d *ecs.Document, e *ecs.Endpoint, v *shapeValues, r jsonSpan) {
	if !v.has(r) {
		return
	}
	var ip [6]jsonSpan
	v.getAll(r, []string{"ipAddressV4", "ipAddressV6", "country", "city", "geoLocation", "organization"}, ip[:])
	addRelatedIP(d, setEndpoint(e, firstNonEmpty(v.str(ip[0]), v.str(ip[1]))))
	if d.Network.Type == "" {
		d.Network.Type = ipNetworkType(e.IP)
	}
	var country, org [2]jsonSpan
	v.getAll(ip[2], []string{"countryCode", "countryName"}, country[:])
	v.getAll(ip[5], []string{"asn", "asnOrg"}, org[:])
	countryCode, countryName, cityName := v.str(country[0]), v.str(country[1]), v.str(v.get(ip[3], "cityName"))
	if geo := ip[4]; countryCode != "" || countryName != "" || cityName != "" || v.has(geo) {
		var latLon [2]jsonSpan
		v.getAll(geo, []string{"lat", "lon"}, latLon[:])
		g := &ecs.Geo{CountryISOCode: countryCode, CountryName: countryName, CityName: cityName}
		g.Lat, _ = v.float(latLon[0])
		g.Lon, _ = v.float(latLon[1])
		e.Geo = g
	}
	asn, asnOrg := v.str(org[0]), v.str(org[1])
	if n, err := strconv.ParseInt(asn, 10, 64); err == nil || asnOrg != "" {
		e.AS = &ecs.AS{Number: n, Organization: asnOrg}
	}
}
