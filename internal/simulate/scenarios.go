package simulate

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
)

// scenarioDef is one injected attack: what it is, the rules that must fire
// on it, and how to play it in an account and region from a start time.
type scenarioDef struct {
	id, title string
	global    bool // plays in the home region (console sign-in)
	rules     []string
	play      func(sc *scene)
}

// scenarios are played in this order, spread evenly over the simulated days.
var scenarios = []scenarioDef{
	{
		id: "root-console-login-without-mfa", title: "Root user signs in to the console without MFA and looks around",
		global: true,
		rules:  []string{"pci-01-root-user-activity", "guardduty-escalation-finding-type"},
		play: func(sc *scene) {
			a, t := sc.a, sc.t
			root := principal{identity: identity{Type: "Root", PrincipalID: a.ID, ARN: "arn:aws:iam::" + a.ID + ":root", AccountID: a.ID},
				sourceIP: sc.ip, userAgent: consoleUA, name: "arn:aws:iam::" + a.ID + ":root"}
			sc.principal(root)
			login := call{who: root, service: "signin", name: "ConsoleLogin", eventType: "AwsConsoleSignIn",
				response: map[string]any{"ConsoleLogin": "Success"},
				extra:    map[string]any{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"}}
			sc.cloudtrail(t, login)
			root.identity.AccessKeyID = "ASIA" + sc.s.g.str(upperAlnum, 16)
			for i, name := range []string{"GetAccountSummary", "ListUsers", "ListAccessKeys"} {
				sc.cloudtrail(t.Add(time.Duration(i+1)*time.Minute), call{who: root, service: "iam", name: name, readOnly: true, params: map[string]any{}})
			}
			sc.finding(t.Add(5*time.Minute), "Policy:IAMUser/RootCredentialUsage", 2,
				"API ListUsers was invoked using root credentials", accessKeyResource(root), apiCallAction("ListUsers", "iam.amazonaws.com", sc.ip))
		},
	},
	{
		id: "cloudtrail-stop-logging", title: "Stolen access key stops the account's CloudTrail trail",
		rules: []string{"cloudtrail-stopped-or-deleted", "pci-04-audit-log-configuration-change", "guardduty-escalation-finding-type"},
		play: func(sc *scene) {
			a, t := sc.a, sc.t
			who := sc.user("svc-backup", cliUA)
			trail := "arn:aws:cloudtrail:" + sc.region + ":" + a.ID + ":trail/account-audit-trail"
			sc.cloudtrail(t, call{who: who, service: "cloudtrail", name: "DescribeTrails", readOnly: true, params: map[string]any{"includeShadowTrails": true}})
			sc.cloudtrail(t.Add(30*time.Second), call{who: who, service: "cloudtrail", name: "GetTrailStatus", readOnly: true, params: map[string]any{"name": trail}})
			sc.cloudtrail(t.Add(time.Minute), call{who: who, service: "cloudtrail", name: "StopLogging", params: map[string]any{"name": trail},
				resources: []ctResource{{AccountID: a.ID, Type: "AWS::CloudTrail::Trail", ARN: trail}}})
			sc.finding(t.Add(6*time.Minute), "Stealth:IAMUser/CloudTrailLoggingDisabled", 2,
				"AWS CloudTrail trail account-audit-trail was disabled", accessKeyResource(who), apiCallAction("StopLogging", "cloudtrail.amazonaws.com", sc.ip))
		},
	},
	{
		id: "crypto-mining-run-instances-burst", title: "Stolen access key launches a fleet of GPU instances that mine cryptocurrency",
		rules: []string{"ec2-run-instances-burst", "ec2-instance-type-not-allowed", "vpcflow-mining-pool-port", "guardduty-high-finding", "guardduty-escalation-finding-type"},
		play: func(sc *scene) {
			a, t, g := sc.a, sc.t, sc.s.g
			who := sc.user("ci-legacy", botoUA)
			pool := fmt.Sprintf("203.0.113.%d", g.between(200, 250))
			var launched []instance
			for i := range 16 {
				it := pick(g, []string{"p3.16xlarge", "g4dn.12xlarge", "p4d.24xlarge"})
				b := a.vpcCIDR[sc.region].Addr().As4()
				b[2] += byte(g.between(1, 15))
				b[3] = byte(g.between(4, 250))
				inst := instance{ID: "i-0" + g.hex(16), IP: netip.AddrFrom4(b)}
				launched = append(launched, inst)
				sc.cloudtrail(t.Add(time.Duration(i*30)*time.Second), call{who: who, service: "ec2", name: "RunInstances",
					params: map[string]any{"instanceType": it, "instancesSet": map[string]any{"items": []any{map[string]any{"imageId": "ami-0" + g.hex(16), "minCount": 1, "maxCount": 1}}}},
					response: map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{
						"instanceId": inst.ID, "instanceType": it, "privateIpAddress": inst.IP.String(), "instanceState": map[string]any{"code": 0, "name": "pending"}}}}}})
			}
			for i, inst := range launched[:6] {
				start := t.Add(10*time.Minute + time.Duration(i)*20*time.Second)
				sc.flow(flow{src: inst.IP.String(), dst: pool, srcPort: g.ephemeralPort(), dstPort: 3333, proto: 6,
					packets: g.between(200, 900), bytes: g.between(20000, 90000), start: start, end: start.Add(time.Minute), accept: true})
			}
			sc.finding(t.Add(15*time.Minute), "CryptoCurrency:EC2/BitcoinTool.B!DNS", 8,
				"EC2 instance "+launched[0].ID+" is querying a domain name that is associated with Bitcoin-related activity",
				instanceResource(launched[0], "p3.16xlarge"), dnsAction("xmr.pool.minergate.com"))
		},
	},
	{
		id: "secrets-bulk-read", title: "Instance credentials used from outside AWS read every secret",
		rules: []string{"secretsmanager-bulk-retrieval", "guardduty-high-finding", "guardduty-escalation-finding-type"},
		play: func(sc *scene) {
			a, t, g := sc.a, sc.t, sc.s.g
			who := a.instanceRole
			who.sourceIP, who.userAgent = sc.ip, cliUA
			sc.principal(who)
			sc.cloudtrail(t, call{who: who, service: "secretsmanager", name: "ListSecrets", readOnly: true, params: map[string]any{}})
			var secrets []string
			for i := range 20 {
				secrets = append(secrets, fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:prod/%s-%s", sc.region, a.ID,
					pick(g, []string{"db", "api", "payments", "smtp", "partner"})+fmt.Sprint(i), g.str(mixedAlnum, 6)))
			}
			for i := range 40 {
				sc.cloudtrail(t.Add(time.Duration(10+i*6)*time.Second), call{who: who, service: "secretsmanager", name: "GetSecretValue", readOnly: true,
					params: map[string]any{"secretId": secrets[i%len(secrets)]}})
			}
			sc.finding(t.Add(10*time.Minute), "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", 8,
				"Credentials for instance role app-server used from external IP address "+sc.ip,
				accessKeyResource(who), apiCallAction("GetSecretValue", "secretsmanager.amazonaws.com", sc.ip))
		},
	},
	{
		id: "security-group-opened-to-world", title: "SSH opened to the Internet, then brute-forced from it",
		rules: []string{"ec2-security-group-opened-to-world", "pci-07-security-group-nacl-change", "vpcflow-admin-port-from-internet", "config-rule-noncompliant"},
		play: func(sc *scene) {
			a, t, g := sc.a, sc.t, sc.s.g
			who := sc.user("dave", consoleUA)
			sg := a.sgIDs[sc.region]
			sc.cloudtrail(t, call{who: who, service: "ec2", name: "AuthorizeSecurityGroupIngress",
				params: map[string]any{"groupId": sg, "ipPermissions": map[string]any{"items": []any{map[string]any{
					"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
					"ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}},
				response: map[string]any{"_return": true, "securityGroupRuleSet": map[string]any{"items": []any{map[string]any{
					"groupId": sg, "isEgress": false, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
					"cidrIpv4": "0.0.0.0/0", "securityGroupRuleId": "sgr-0" + g.hex(16)}}}}})
			target := a.instances[sc.region][0]
			attacker := fmt.Sprintf("203.0.113.%d", g.between(100, 199))
			pid := g.between(2000, 30000)
			for i := range 10 {
				at := t.Add(5*time.Minute + time.Duration(i*7)*time.Second)
				port := g.ephemeralPort()
				sc.flow(flow{src: attacker, dst: target.IP.String(), srcPort: port, dstPort: 22, proto: 6,
					packets: g.between(8, 30), bytes: g.between(1500, 6000), start: at, end: at.Add(5 * time.Second), accept: true})
				msg := fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", pick(g, []string{"admin", "ubuntu", "test", "oracle"}), attacker, port)
				if i == 9 {
					msg = fmt.Sprintf("Accepted password for ec2-user from %s port %d ssh2", attacker, port)
				}
				sc.secure(at.Add(time.Second), target, syslogLine(at.Add(time.Second), target.Host, "sshd", pid+i, msg))
			}
			// AWS Config's restricted-ssh rule re-evaluates the changed group.
			sc.config(t.Add(2*time.Minute), sc.s.complianceChange(a, sc.region, t.Add(2*time.Minute), "restricted-ssh",
				"AWS::EC2::SecurityGroup", sg, "NON_COMPLIANT", "COMPLIANT"))
		},
	},
	{
		id: "console-password-spraying", title: "One address tries a password against a dozen console users",
		global: true,
		rules:  []string{"console-password-spraying", "pci-02-failed-platform-logins"},
		play: func(sc *scene) {
			a, t := sc.a, sc.t
			sc.key.Principal = "(12 IAM users)"
			for i, u := range a.users[:12] {
				u.sourceIP = sc.ip
				c := consoleLogin(sc.s, u, false, false)
				c.who.userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
				sc.cloudtrail(t.Add(time.Duration(i*30)*time.Second), c)
			}
		},
	},
	{
		id: "eks-pod-exec-and-cluster-admin-binding", title: "Stolen EKS administrator session opens a shell in a payments pod and binds a service account to cluster-admin",
		rules: []string{"eks-pod-exec-or-cluster-admin-binding"},
		play: func(sc *scene) {
			a, t := sc.a, sc.t
			user := "arn:aws:sts::" + a.ID + ":assumed-role/eks-admins/" + sc.s.g.str(lowerAlnum, 8)
			sc.key.Principal = user
			pod := "api-" + sc.s.g.hex(5)
			sc.eksAudit(t, eksEvent{verb: "create", user: user, ip: sc.ip, stage: "ResponseStarted", code: 101,
				uri:       "/api/v1/namespaces/payments/pods/" + pod + "/exec?command=sh&container=api&stdin=true&stdout=true&tty=true",
				objectRef: map[string]any{"resource": "pods", "namespace": "payments", "name": pod, "apiVersion": "v1", "subresource": "exec"}})
			sc.eksAudit(t.Add(3*time.Minute), eksEvent{verb: "create", user: user, ip: sc.ip, stage: "ResponseComplete", code: 201,
				uri:       "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
				objectRef: map[string]any{"resource": "clusterrolebindings", "name": "payments-ops", "apiGroup": "rbac.authorization.k8s.io", "apiVersion": "v1"},
				request: map[string]any{"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": map[string]any{"name": "payments-ops"},
					"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": "default", "namespace": "payments"}},
					"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}}})
		},
	},
}

// ScenarioIDs lists the attack scenarios Generate injects, in order.
func ScenarioIDs() []string {
	ids := make([]string, len(scenarios))
	for i, s := range scenarios {
		ids[i] = s.id
	}
	return ids
}

// scene is one scenario being played.
type scene struct {
	s      *state
	a      *account
	region string
	t      time.Time
	ip     string // the attacker's address
	key    *Scenario
}

func (sc *scene) principal(p principal) {
	if sc.key.Principal == "" {
		sc.key.Principal = p.name
	}
}

// user returns IAM user name of the scene's account, calling from the
// attacker's address with the given user agent.
func (sc *scene) user(name, ua string) principal {
	for _, u := range sc.a.users {
		if u.name == name {
			u.sourceIP, u.userAgent = sc.ip, ua
			sc.principal(u)
			return u
		}
	}
	sc.s.fail(fmt.Errorf("scenario %s uses unknown user %s", sc.key.ID, name))
	return principal{name: name}
}

func (sc *scene) add(typ, acct, region string, t time.Time, b []byte) {
	k := streamKey{typ, acct, region}
	sc.s.pending[k] = append(sc.s.pending[k], event{t: t, b: b})
	sc.key.Events[typ]++
	if t.After(sc.key.End) {
		sc.key.End = t
	}
}

func (sc *scene) cloudtrail(t time.Time, c call) {
	b, err := json.Marshal(sc.s.record(c, sc.a, sc.region, t))
	if err != nil {
		sc.s.fail(fmt.Errorf("scenario %s: encode CloudTrail record: %w", sc.key.ID, err))
		return
	}
	sc.add(archive.TypeCloudTrail, sc.a.ID, sc.region, t, b)
}

func (sc *scene) flow(f flow) {
	sc.add(archive.TypeVPCFlow, sc.a.ID, sc.region, f.start, []byte(f.line(sc.a, sc.region)))
}

func (sc *scene) secure(t time.Time, inst instance, line string) {
	sc.add(archive.TypeLinux, sc.a.ID, sc.region, t, sc.s.cwEvent(sc.a, inst, t, line))
}

func (sc *scene) finding(t time.Time, typ string, severity float64, title, resource, action string) {
	b, err := json.Marshal(sc.s.newFinding(sc.a, sc.region, typ, severity, t, title, resource, action))
	if err != nil {
		sc.s.fail(fmt.Errorf("scenario %s: encode GuardDuty finding: %w", sc.key.ID, err))
		return
	}
	sc.add(archive.TypeGuardDuty, "", sc.region, t, b)
}

func (sc *scene) eksAudit(t time.Time, e eksEvent) {
	sc.add(archive.TypeEKSAudit, sc.a.ID, sc.region, t, sc.s.eksAuditEvent(sc.a, sc.region, t, e))
}

func (sc *scene) config(t time.Time, ev map[string]any) {
	b, err := json.Marshal(ev)
	if err != nil {
		sc.s.fail(fmt.Errorf("scenario %s: encode AWS Config event: %w", sc.key.ID, err))
		return
	}
	sc.add(archive.TypeConfig, sc.a.ID, sc.region, t, b)
}
