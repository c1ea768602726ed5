package logs

// Amazon EKS control-plane audit logs: Kubernetes audit Events
// (audit.k8s.io/v1, https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/#audit-k8s-io-v1-Event)
// written by the cluster's kube-apiserver, one JSON object per log event.
//
// EKS delivers them to CloudWatch Logs only, in the account of the
// cluster: log group /aws/eks/<cluster>/cluster, one stream per API server
// named kube-apiserver-audit-<id>; the same group holds the other control
// plane logs (kube-apiserver-<id>, authenticator-<id>,
// kube-controller-manager-<id>, kube-scheduler-<id>), which stay generic
// cloudwatchlogs documents
// (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html).
// The CloudWatch Logs router (cloudwatchlogs.go) sends the audit streams
// here (eksAuditMessage); an export of Events as JSON lines under the typed
// prefix eksaudit/ is read by parseEKSAudit.
//
// ECS mapping:
//   - @timestamp and event.start: requestReceivedTimestamp (else
//     stageTimestamp); event.end: stageTimestamp; event.duration between.
//   - event.id: auditID; _id: auditID-stage (one request is logged once
//     per stage it reaches); event.provider kube-apiserver;
//     cloud.service.name eks.
//   - event.action: verb (get, list, watch, create, update, patch,
//     delete, deletecollection, ...); event.type from it: creation,
//     change, deletion, access, else info.
//   - event.outcome and http.response.status_code: responseStatus.code
//     (below 400 success, else failure; none: no outcome).
//   - user.name/user.id: user.username/uid; user.roles: user.groups (the
//     Kubernetes groups, as for GuardDuty EKS findings); related.user: the
//     user and an impersonated user.
//   - source.ip: the first of sourceIPs (the client; later entries are
//     proxies), related.ip: every valid address of sourceIPs.
//   - user_agent.original: userAgent.
//   - url.original: requestURI, split into url.path and url.query.
//   - aws.eksaudit: the Event as written (objectRef.* is where the
//     resource, namespace, name and subresource are searched), with
//     cluster, the cluster name from the log group, when routed.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The values of an audit Event the mapping reads (slots of eksAuditShape).
const (
	eksAuditID = iota
	eksStage
	eksVerb
	eksRequestURI
	eksUsername
	eksUID
	eksGroups
	eksImpersonated
	eksSourceIPs
	eksUserAgent
	eksCode
	eksReceived
	eksStageTime
	eksKind
)

// eksAuditShape checks every declared aws.eksaudit field (see jsonshape.go).
var eksAuditShape = newRecordShape(archive.TypeEKSAudit, shapeSpec{
	lists: map[string]arity{"user.groups": listOf, "impersonatedUser.groups": listOf, "sourceIPs": listOf},
	slots: []string{
		eksAuditID:      "auditID",
		eksStage:        "stage",
		eksVerb:         "verb",
		eksRequestURI:   "requestURI",
		eksUsername:     "user.username",
		eksUID:          "user.uid",
		eksGroups:       "user.groups",
		eksImpersonated: "impersonatedUser.username",
		eksSourceIPs:    "sourceIPs",
		eksUserAgent:    "userAgent",
		eksCode:         "responseStatus.code",
		eksReceived:     "requestReceivedTimestamp",
		eksStageTime:    "stageTimestamp",
		eksKind:         "kind",
	},
})

// The event.type of each verb class (shared: documents never modify them).
var (
	typeCreation = []string{"creation"}
	typeChange   = []string{"change"}
	typeDeletion = []string{"deletion"}
)

// eksVerbType maps a Kubernetes API verb to event.type.
func eksVerbType(verb string) []string {
	switch verb {
	case "create":
		return typeCreation
	case "update", "patch":
		return typeChange
	case "delete", "deletecollection":
		return typeDeletion
	case "get", "list", "watch":
		return typeAccess
	}
	return typeInfo
}

// eksAuditParser keeps what is reused from record to record.
type eksAuditParser struct {
	aws   *awsObject
	rec   shapeValues
	roles []string
	users []string
	ips   []string
}

func newEKSAuditParser() *eksAuditParser {
	return &eksAuditParser{aws: newAWSObject(archive.TypeEKSAudit)}
}

func parseEKSAudit(in *Input, out *Output) error {
	p := newEKSAuditParser()
	return readJSONRecords(in, out, false, p.record, nil)
}

func (p *eksAuditParser) record(out *Output, raw []byte, line int64) error {
	d := out.Doc()
	if err := p.mapTo(raw, d, ""); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	return out.Emit(d)
}

// eksAuditMessage maps one audit Event delivered through CloudWatch Logs
// (log group /aws/eks/<cluster>/cluster) onto d.
func eksAuditMessage(msg []byte, d *ecs.Document, cluster string) error {
	p := newEKSAuditParser()
	return p.mapTo(msg, d, cluster)
}

// mapTo maps the Event raw onto d; cluster, when known, is added to
// aws.eksaudit.
func (p *eksAuditParser) mapTo(raw []byte, d *ecs.Document, cluster string) error {
	r := &p.rec
	if err := eksAuditShape.read(raw, r); err != nil {
		return err
	}
	str := func(slot int) string { return r.str(r.val(slot)) }
	if k := str(eksKind); k != "" && k != "Event" {
		return fmt.Errorf("kind %q is not an audit Event", k)
	}
	received, stageTime := str(eksReceived), str(eksStageTime)
	if received == "" && stageTime == "" {
		return errors.New("audit Event has neither requestReceivedTimestamp nor stageTimestamp")
	}
	d.Type = archive.TypeEKSAudit
	if received != "" {
		t, err := parseJSONTime(received)
		if err != nil {
			return fmt.Errorf("requestReceivedTimestamp: %w", err)
		}
		d.Timestamp, d.Event.Start = t, t
	}
	if stageTime != "" {
		t, err := parseJSONTime(stageTime)
		if err != nil {
			return fmt.Errorf("stageTimestamp: %w", err)
		}
		d.Event.End = t
		if d.Timestamp.IsZero() {
			d.Timestamp = t
		} else if dur := t.Sub(d.Timestamp); dur > 0 {
			d.Event.Duration = int64(dur)
		}
	}
	d.Event.Provider = "kube-apiserver"
	d.Cloud.ServiceName = "eks"
	if id := str(eksAuditID); id != "" {
		d.Event.ID = id
		d.ID = id
		if st := str(eksStage); st != "" {
			d.ID = id + "-" + st
		}
	}
	verb := str(eksVerb)
	d.Event.Action = verb
	if verb != "" {
		d.Event.Type = eksVerbType(verb)
	}
	if code, ok := r.int(r.val(eksCode)); ok {
		d.HTTP.StatusCode = code
		d.HTTP.StatusCodeSet = true
		if code < 400 {
			d.Event.Outcome = "success"
		} else {
			d.Event.Outcome = "failure"
		}
	}
	d.User.Name = str(eksUsername)
	d.User.ID = str(eksUID)
	p.roles, p.users, p.ips = p.roles[:0], p.users[:0], p.ips[:0]
	r.elements(r.val(eksGroups), func(e jsonSpan) bool {
		if g := r.str(e); g != "" {
			p.roles = append(p.roles, g)
		}
		return true
	})
	if len(p.roles) > 0 {
		d.User.Roles = p.roles
	}
	for _, u := range []string{d.User.Name, str(eksImpersonated)} {
		if u != "" {
			p.users = append(p.users, u)
		}
	}
	if len(p.users) > 0 {
		d.Related.User = p.users
	}
	first := true
	r.elements(r.val(eksSourceIPs), func(e jsonSpan) bool {
		s := r.str(e)
		if first {
			first = false
			if setEndpoint(&d.Source, s) != "" {
				d.Network.Type = ipNetworkType(d.Source.IP)
			}
		}
		if ip := validIP(s); ip != "" {
			p.ips = append(p.ips, ip)
		}
		return true
	})
	if len(p.ips) > 0 {
		d.Related.IP = p.ips
	}
	d.UserAgent = str(eksUserAgent)
	if uri := str(eksRequestURI); uri != "" {
		d.URL.Original = uri
		d.URL.Path, d.URL.Query, _ = strings.Cut(uri, "?")
	}
	p.aws.reset()
	if cluster != "" {
		// json.Marshal of a string cannot fail.
		q, _ := json.Marshal(cluster)
		p.aws.extra("cluster", q)
	}
	d.AWS = p.aws.build(raw)
	return nil
}

// eksClusterOf returns the cluster of an EKS control-plane log group
// /aws/eks/<cluster>/cluster (cluster names hold letters, digits, '-' and
// '_', never '/').
func eksClusterOf(group string) (string, bool) {
	rest, ok := strings.CutPrefix(group, "/aws/eks/")
	if !ok {
		return "", false
	}
	cluster, ok := strings.CutSuffix(rest, "/cluster")
	if !ok || cluster == "" || strings.Contains(cluster, "/") {
		return "", false
	}
	return cluster, true
}

// eksAuditStreamPrefix starts the names of the audit streams of an EKS
// control-plane log group.
const eksAuditStreamPrefix = "kube-apiserver-audit-"
