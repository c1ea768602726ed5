package simulate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// VPC Flow Logs, default (version 2) format, as written to S3 with a header
// line (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
const flowHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// flow is one flow log record.
type flow struct {
	src, dst         string
	srcPort, dstPort int
	proto            int // 6 tcp, 17 udp
	packets, bytes   int
	start, end       time.Time
	accept           bool
}

func (f flow) line(a *account, region string) string {
	action := "REJECT"
	if f.accept {
		action = "ACCEPT"
	}
	return fmt.Sprintf("2 %s %s %s %s %d %d %d %d %d %d %d %s OK", a.ID, a.eni[region], f.src, f.dst,
		f.srcPort, f.dstPort, f.proto, f.packets, f.bytes, f.start.Unix(), f.end.Unix(), action)
}

// backgroundFlow is benign traffic of an account's VPC: application to
// database, egress to HTTPS services and their replies, the load balancer's
// inbound HTTPS, DNS, and Internet scanners rejected on a few ports.
func (s *state) backgroundFlow(a *account, region string, t time.Time) flow {
	g := s.g
	inst := a.instances[region]
	app, db := pick(g, inst), inst[len(inst)-1]
	f := flow{proto: 6, packets: g.between(2, 400), start: t, end: t.Add(time.Duration(g.between(1, 60)) * time.Second), accept: true}
	f.bytes = f.packets * g.between(60, 1400)
	switch x := g.intn(100); {
	case x < 35:
		f.src, f.dst, f.srcPort, f.dstPort = app.IP.String(), db.IP.String(), g.ephemeralPort(), 5432
	case x < 60:
		f.src, f.dst, f.srcPort, f.dstPort = app.IP.String(), publicService(g), g.ephemeralPort(), 443
	case x < 80:
		f.src, f.dst, f.srcPort, f.dstPort = publicService(g), app.IP.String(), 443, g.ephemeralPort()
	case x < 90:
		f.src, f.dst, f.srcPort, f.dstPort = fmt.Sprintf("198.51.100.%d", g.between(1, 254)), app.IP.String(), g.ephemeralPort(), 443
	case x < 95:
		dnsIP := a.vpcCIDR[region].Addr().As4()
		dnsIP[3] = 2
		f.src, f.dst, f.srcPort, f.dstPort, f.proto = app.IP.String(), netip.AddrFrom4(dnsIP).String(), g.ephemeralPort(), 53, 17
	default:
		f.src, f.dst, f.srcPort, f.dstPort = fmt.Sprintf("192.0.2.%d", g.between(1, 254)), app.IP.String(), g.ephemeralPort(), pick(g, []int{22, 23, 3389, 445, 8080})
		f.accept, f.packets = false, 1
		f.bytes = 40 + g.intn(24)
	}
	return f
}

// publicService is an address of an HTTPS service on the Internet.
func publicService(g *rng) string {
	return fmt.Sprintf("%d.%d.%d.%d", pick(g, []int{3, 18, 52, 54}), g.between(0, 255), g.between(0, 255), g.between(1, 254))
}

// Linux /var/log/secure lines as rsyslog writes them, shipped by the
// CloudWatch agent to the /var/log/secure log group, one log stream per
// instance.
const secureLogGroup = "/var/log/secure"

// syslogLine formats one /var/log/secure line.
func syslogLine(t time.Time, host, program string, pid int, msg string) string {
	return fmt.Sprintf("%s %s %s[%d]: %s", t.UTC().Format(time.Stamp), host, program, pid, msg)
}

// timedLine is a log line and its time.
type timedLine struct {
	t    time.Time
	line string
}

// backgroundSecure is benign /var/log/secure activity of one instance:
// administrators signing in with keys from the bastion, sudo, cron sessions.
func (s *state) backgroundSecure(a *account, region string, inst instance, t time.Time) []timedLine {
	g := s.g
	bastion := a.vpcCIDR[region].Addr().As4()
	bastion[3] = 10
	from := netip.AddrFrom4(bastion).String()
	pid := g.between(1000, 32000)
	line := func(t time.Time, program, msg string) timedLine {
		return timedLine{t, syslogLine(t, inst.Host, program, pid, msg)}
	}
	switch g.intn(3) {
	case 0:
		closed := t.Add(time.Duration(g.between(30, 900)) * time.Second)
		return []timedLine{
			line(t, "sshd", fmt.Sprintf("Accepted publickey for ec2-user from %s port %d ssh2: ED25519 SHA256:%s", from, g.ephemeralPort(), g.str(mixedAlnum, 43))),
			line(t, "sshd", "pam_unix(sshd:session): session opened for user ec2-user(uid=1000) by ec2-user(uid=0)"),
			line(closed, "sshd", "pam_unix(sshd:session): session closed for user ec2-user"),
		}
	case 1:
		cmd := pick(g, []string{"/usr/bin/systemctl status nginx", "/usr/bin/journalctl -u app --since today", "/usr/bin/dnf check-update"})
		return []timedLine{line(t, "sudo", "ec2-user : TTY=pts/0 ; PWD=/home/ec2-user ; USER=root ; COMMAND="+cmd)}
	default:
		return []timedLine{line(t, "CROND", "pam_unix(crond:session): session opened for user root(uid=0) by root(uid=0)")}
	}
}

// cwLine is one CloudWatch Logs event as the transfer Lambda archives it
// (internal/archive.CWLogsKey).
type cwLine struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
	LogGroup  string `json:"logGroup"`
	LogStream string `json:"logStream"`
	Owner     string `json:"owner"`
}

// GuardDuty finding as exported to S3 (one per line), the shape of
// https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-format.html
// (compare ../shared/corpus/guardduty).
type finding struct {
	SchemaVersion string          `json:"schemaVersion"`
	AccountID     string          `json:"accountId"`
	Region        string          `json:"region"`
	Partition     string          `json:"partition"`
	ID            string          `json:"id"`
	ARN           string          `json:"arn"`
	Type          string          `json:"type"`
	Resource      json.RawMessage `json:"resource"`
	Service       findingService  `json:"service"`
	Severity      float64         `json:"severity"`
	CreatedAt     string          `json:"createdAt"`
	UpdatedAt     string          `json:"updatedAt"`
	Title         string          `json:"title"`
	Description   string          `json:"description"`
}

type findingService struct {
	ServiceName    string          `json:"serviceName"`
	DetectorID     string          `json:"detectorId"`
	Action         json.RawMessage `json:"action"`
	ResourceRole   string          `json:"resourceRole"`
	AdditionalInfo map[string]any  `json:"additionalInfo"`
	EventFirstSeen string          `json:"eventFirstSeen"`
	EventLastSeen  string          `json:"eventLastSeen"`
	Archived       bool            `json:"archived"`
	Count          int             `json:"count"`
}

// newFinding builds a finding about account a. resource and action are
// JSON objects of the finding format.
func (s *state) newFinding(a *account, region, typ string, severity float64, t time.Time, title, resource, action string) *finding {
	id := s.g.hex(32)
	detector := s.detectors[region]
	ts := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &finding{
		SchemaVersion: "2.0", AccountID: a.ID, Region: region, Partition: "aws", ID: id,
		ARN:  "arn:aws:guardduty:" + region + ":" + a.ID + ":detector/" + detector + "/finding/" + id,
		Type: typ, Resource: json.RawMessage(resource), Severity: severity, CreatedAt: ts, UpdatedAt: ts,
		Title: title, Description: title + ".",
		Service: findingService{ServiceName: "guardduty", DetectorID: detector, Action: json.RawMessage(action),
			ResourceRole: "TARGET", AdditionalInfo: map[string]any{"value": "{}", "type": "default"},
			EventFirstSeen: ts, EventLastSeen: ts, Count: 1},
	}
}

func instanceResource(inst instance, instanceType string) string {
	return fmt.Sprintf(`{"resourceType":"Instance","instanceDetails":{"instanceId":%q,"instanceType":%q,"instanceState":"running","networkInterfaces":[{"privateIpAddress":%q}]}}`,
		inst.ID, instanceType, inst.IP.String())
}

func accessKeyResource(p principal) string {
	userType, userName := p.identity.Type, p.identity.UserName
	if userType == "AssumedRole" {
		userName = p.identity.SessionContext.SessionIssuer.UserName
	}
	if userType == "Root" {
		userName = "Root"
	}
	return fmt.Sprintf(`{"resourceType":"AccessKey","accessKeyDetails":{"accessKeyId":%q,"principalId":%q,"userType":%q,"userName":%q}}`,
		orDefault(p.identity.AccessKeyID, "ASIA"+strings.Repeat("X", 16)), p.identity.PrincipalID, userType, userName)
}

func apiCallAction(api, service, ip string) string {
	return fmt.Sprintf(`{"actionType":"AWS_API_CALL","awsApiCallAction":{"api":%q,"serviceName":%q,"callerType":"Remote IP","remoteIpDetails":{"ipAddressV4":%q,"country":{"countryName":"Unknown"}}}}`,
		api, service, ip)
}

func portProbeAction(ip string, port int) string {
	return fmt.Sprintf(`{"actionType":"PORT_PROBE","portProbeAction":{"blocked":false,"portProbeDetails":[{"localPortDetails":{"port":%d,"portName":"SSH"},"remoteIpDetails":{"ipAddressV4":%q}}]}}`, port, ip)
}

func dnsAction(domain string) string {
	return fmt.Sprintf(`{"actionType":"DNS_REQUEST","dnsRequestAction":{"domain":%q,"protocol":"UDP","blocked":false}}`, domain)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// backgroundFinding is a low-severity finding of the kind every exposed
// account sees: port probes and SSH brute force against the load
// balancer's neighbours, all blocked or harmless.
func (s *state) backgroundFinding(a *account, region string, t time.Time) *finding {
	inst := pick(s.g, a.instances[region])
	ip := fmt.Sprintf("192.0.2.%d", s.g.between(1, 254))
	if s.g.chance(0.5) {
		return s.newFinding(a, region, "Recon:EC2/PortProbeUnprotectedPort", 2, t,
			"Unprotected port on EC2 instance "+inst.ID+" is being probed", instanceResource(inst, "t3.small"), portProbeAction(ip, 22))
	}
	return s.newFinding(a, region, "UnauthorizedAccess:EC2/SSHBruteForce", 2, t,
		ip+" is performing SSH brute force attacks against "+inst.ID, instanceResource(inst, "t3.small"), portProbeAction(ip, 22))
}

// EKS control-plane audit logs: each workload account runs the cluster
// eksCluster, whose kube-apiserver writes Kubernetes audit Events
// (audit.k8s.io/v1) to the log group /aws/eks/<cluster>/cluster, stream
// kube-apiserver-audit-<id>
// (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html).
const eksCluster = "payments"

// eksEvent is what differs between the audit Events a scenario writes.
type eksEvent struct {
	verb, user, ip, stage, uri string
	code                       int
	objectRef                  map[string]any
	request                    map[string]any // requestObject, logged at level Request and above
}

// eksAuditEvent encodes one audit Event as a CloudWatch Logs event of the
// cluster's audit stream in account a.
func (s *state) eksAuditEvent(a *account, region string, t time.Time, e eksEvent) []byte {
	ev := map[string]any{
		"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "auditID": s.g.uuid(), "stage": e.stage,
		"requestURI": e.uri, "verb": e.verb,
		"user":      map[string]any{"username": e.user, "groups": []string{"system:authenticated"}},
		"sourceIPs": []string{e.ip}, "userAgent": "kubectl/v1.29.0 (linux/amd64) kubernetes/3f7a50f",
		"objectRef": e.objectRef, "responseStatus": map[string]any{"metadata": map[string]any{}, "code": e.code},
		"requestReceivedTimestamp": t.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"stageTimestamp":           t.Add(20 * time.Millisecond).UTC().Format("2006-01-02T15:04:05.000000Z"),
	}
	if e.request != nil {
		ev["requestObject"] = e.request
	}
	msg, err := json.Marshal(ev)
	if err != nil {
		s.fail(fmt.Errorf("simulate: encode EKS audit Event: %w", err))
		return nil
	}
	b, err := json.Marshal(cwLine{ID: s.g.str(digits, 56), Timestamp: t.UnixMilli(), Message: string(msg),
		LogGroup: eksLogGroup(), LogStream: eksAuditStream(a, region), Owner: a.ID})
	if err != nil {
		s.fail(fmt.Errorf("simulate: encode CloudWatch Logs event: %w", err))
	}
	return b
}

// eksAuditStream is the audit stream of the cluster of account a in
// region: the id EKS appends is 32 hex digits, derived here from the
// account and region (not drawn from the generator, so that adding EKS
// leaves every other stream of a seed unchanged).
func eksAuditStream(a *account, region string) string {
	sum := sha256.Sum256([]byte(a.ID + "/" + region))
	return "kube-apiserver-audit-" + hex.EncodeToString(sum[:16])
}

// eksLogGroup is the control-plane log group of eksCluster.
func eksLogGroup() string { return "/aws/eks/" + eksCluster + "/cluster" }

// complianceChange is the EventBridge event AWS Config emits when a rule's
// evaluation of a resource changes (detail-type "Config Rules Compliance
// Change",
// https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html).
func (s *state) complianceChange(a *account, region string, t time.Time, rule, resourceType, resourceID, now, before string) map[string]any {
	ts := t.UTC().Format("2006-01-02T15:04:05.000Z")
	ruleARN := "arn:aws:config:" + region + ":" + a.ID + ":config-rule/config-rule-" + s.g.str(lowerAlnum, 6)
	result := func(compliance string, at time.Time) map[string]any {
		return map[string]any{
			"evaluationResultIdentifier": map[string]any{"evaluationResultQualifier": map[string]any{"configRuleName": rule,
				"resourceType": resourceType, "resourceId": resourceID, "evaluationMode": "DETECTIVE"}, "orderingTimestamp": at.UTC().Format("2006-01-02T15:04:05.000Z")},
			"complianceType": compliance, "resultRecordedTime": at.UTC().Format("2006-01-02T15:04:05.000Z"),
			"configRuleInvokedTime": at.UTC().Format("2006-01-02T15:04:05.000Z")}
	}
	return map[string]any{
		"version": "0", "id": s.g.uuid(), "detail-type": "Config Rules Compliance Change", "source": "aws.config",
		"account": a.ID, "time": t.UTC().Format(time.RFC3339), "region": region, "resources": []string{},
		"detail": map[string]any{"resourceId": resourceID, "awsRegion": region, "awsAccountId": a.ID, "configRuleName": rule,
			"recordVersion": "1.0", "configRuleARN": ruleARN, "messageType": "ComplianceChangeNotification",
			"newEvaluationResult": result(now, t), "oldEvaluationResult": result(before, t.Add(-24*time.Hour)),
			"notificationCreationTime": ts, "resourceType": resourceType},
	}
}
