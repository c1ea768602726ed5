package logs

// Windows event logs (the Security channel above all) shipped by the
// CloudWatch agent's windows_events input, one event per CloudWatch Logs
// event, in either of the agent's two renderings
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html,
// windows_events.collect_list[].event_format; the agent source
// plugins/inputs/windows_event_log/wineventlog renders them):
//
//   - "xml": the event as EvtFormatMessage(EvtFormatMessageXml) renders it,
//     <Event><System>...</System><EventData><Data Name=...>...</Data></EventData>
//     <RenderingInfo><Message>...</Message><Keywords><Keyword>Audit Success</Keyword>...</RenderingInfo></Event>;
//   - "text" (the legacy SSM plugin format):
//     "[<channel>] [<LEVEL>] [<event id>] [<provider>] [<computer>] [<message>]",
//     with no time of its own (the CloudWatch event time is @timestamp).
//
// The agent's log_group_name is chosen by whoever configures it, so no
// group is routed here by default: an operator routes the exact group
// names (Sources.Routes, type windows). Objects under the typed prefix
// windows/ hold one event per line: the XML or text rendering, or a JSON
// string holding one (one JSON value per event, as exporters and the rule
// tests write them).
//
// ECS mapping (the fields Elastic's Windows integration fills for the same
// events): @timestamp (System.TimeCreated.SystemTime), event.code (EventID),
// event.provider (Provider Name), host.name (Computer), log.level
// (RenderingInfo.Level, else the level name), message (RenderingInfo.Message),
// event.outcome (the Audit Success / Audit Failure keyword bits
// 0x0020000000000000 / 0x0010000000000000 of System.Keywords), and for the
// Security events below event.action, event.category/type, user.*,
// user.target.*, group.*, source.ip/port and related.*:
//
//	4624 logged-in, 4625 logon-failed, 4634/4647 logged-out, 4648
//	logged-in-explicit, 4672 logged-in-special: user.* the account logged
//	on (Target*; 4672 Subject*), source.ip/port IpAddress/IpPort;
//	4720 added-user-account, 4722 enabled-user-account, 4724
//	reset-password, 4725 disabled-user-account, 4726 deleted-user-account,
//	4740 locked-out-user-account: user.* the actor (Subject*),
//	user.target.* the account (Target*);
//	4728/4732/4756 added-member-to-group, 4729/4733/4757
//	removed-member-from-group: user.* the actor, user.target.id the member
//	(MemberSid; user.target.name the CN of MemberName, which local
//	accounts leave "-"), group.name/id the group (TargetUserName/TargetSid);
//	1102 audit-log-cleared.
//
// aws.windows holds the System fields, event_data (the Data elements by
// Name, flat_object) and the rendering's message, level, task and keywords.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// winXMLEvent is the part of an event's XML rendering the mapping reads.
type winXMLEvent struct {
	XMLName xml.Name `xml:"Event"`
	System  struct {
		Provider struct {
			Name string `xml:"Name,attr"`
		} `xml:"Provider"`
		EventID     string `xml:"EventID"`
		Version     string `xml:"Version"`
		Level       string `xml:"Level"`
		Task        string `xml:"Task"`
		Opcode      string `xml:"Opcode"`
		Keywords    string `xml:"Keywords"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		EventRecordID string `xml:"EventRecordID"`
		Execution     struct {
			ProcessID string `xml:"ProcessID,attr"`
			ThreadID  string `xml:"ThreadID,attr"`
		} `xml:"Execution"`
		Channel  string `xml:"Channel"`
		Computer string `xml:"Computer"`
		Security struct {
			UserID string `xml:"UserID,attr"`
		} `xml:"Security"`
	} `xml:"System"`
	EventData struct {
		Data []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"Data"`
	} `xml:"EventData"`
	RenderingInfo struct {
		Message  string   `xml:"Message"`
		Level    string   `xml:"Level"`
		Task     string   `xml:"Task"`
		Keywords []string `xml:"Keywords>Keyword"`
	} `xml:"RenderingInfo"`
}

// winAWS is aws.windows.
type winAWS struct {
	Format        string            `json:"format"` // xml or text
	Channel       string            `json:"channel,omitempty"`
	Provider      string            `json:"provider_name,omitempty"`
	EventID       string            `json:"event_id,omitempty"`
	Version       string            `json:"version,omitempty"`
	Level         string            `json:"level,omitempty"`
	Task          string            `json:"task,omitempty"`
	Opcode        string            `json:"opcode,omitempty"`
	Keywords      string            `json:"keywords,omitempty"`
	TimeCreated   string            `json:"time_created,omitempty"`
	EventRecordID string            `json:"event_record_id,omitempty"`
	ProcessID     string            `json:"process_id,omitempty"`
	ThreadID      string            `json:"thread_id,omitempty"`
	Computer      string            `json:"computer,omitempty"`
	UserID        string            `json:"user_id,omitempty"`
	EventData     map[string]string `json:"event_data,omitempty"`
	Rendering     *winRendering     `json:"rendering,omitempty"`
}

type winRendering struct {
	Message  string   `json:"message,omitempty"`
	Level    string   `json:"level,omitempty"`
	Task     string   `json:"task,omitempty"`
	Keywords []string `json:"keywords,omitempty"`
}

// The Audit Success and Audit Failure bits of System.Keywords (winmeta.xml
// WINEVENT_KEYWORD_AUDIT_SUCCESS / _FAILURE).
const (
	winAuditSuccess = 0x0020000000000000
	winAuditFailure = 0x0010000000000000
)

// winLevelNames are the standard level names (winmeta.xml) by value.
var winLevelNames = map[string]string{"0": "Information", "1": "Critical", "2": "Error", "3": "Warning", "4": "Information", "5": "Verbose"}

// winSecurity is what the mapping knows of one Security event id.
type winSecurity struct {
	action   string
	category []string
	typ      []string
	who      winWho
}

// winWho says whose names fill user.* and the targets.
type winWho uint8

const (
	winLogon   winWho = iota // user.* from Target* (the account logged on)
	winSubject               // user.* from Subject*
	winAccount               // user.* Subject*, user.target.* Target*
	winGroup                 // user.* Subject*, member in user.target, group.* Target*
)

var (
	categoryAuthentication = []string{"authentication"}
	categoryIAM            = []string{"iam"}
	categoryIAMAuth        = []string{"iam", "authentication"}
)

// winSecurityEvents are the Security channel events mapped beyond the
// common fields (event ids: Microsoft's "Audit ..." reference pages, e.g.
// https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-10/security/threat-protection/auditing/event-4624).
var winSecurityEvents = map[string]winSecurity{
	"4624": {"logged-in", categoryAuthentication, []string{"start"}, winLogon},
	"4625": {"logon-failed", categoryAuthentication, []string{"start"}, winLogon},
	"4634": {"logged-out", categoryAuthentication, []string{"end"}, winLogon},
	"4647": {"logged-out", categoryAuthentication, []string{"end"}, winLogon},
	"4648": {"logged-in-explicit", categoryAuthentication, []string{"start"}, winLogon},
	"4672": {"logged-in-special", categoryIAMAuth, []string{"admin"}, winSubject},
	"4720": {"added-user-account", categoryIAM, []string{"user", "creation"}, winAccount},
	"4722": {"enabled-user-account", categoryIAM, []string{"user", "change"}, winAccount},
	"4724": {"reset-password", categoryIAM, []string{"user", "change"}, winAccount},
	"4725": {"disabled-user-account", categoryIAM, []string{"user", "change"}, winAccount},
	"4726": {"deleted-user-account", categoryIAM, []string{"user", "deletion"}, winAccount},
	"4740": {"locked-out-user-account", categoryIAM, []string{"user", "change"}, winAccount},
	"4728": {"added-member-to-group", categoryIAM, []string{"group", "change"}, winGroup},
	"4732": {"added-member-to-group", categoryIAM, []string{"group", "change"}, winGroup},
	"4756": {"added-member-to-group", categoryIAM, []string{"group", "change"}, winGroup},
	"4729": {"removed-member-from-group", categoryIAM, []string{"group", "change"}, winGroup},
	"4733": {"removed-member-from-group", categoryIAM, []string{"group", "change"}, winGroup},
	"4757": {"removed-member-from-group", categoryIAM, []string{"group", "change"}, winGroup},
	"1102": {"audit-log-cleared", []string{"configuration"}, []string{"change"}, winSubject},
}

func parseWindows(in *Input, out *Output) error {
	return scanLines(in, out, func(line []byte, n int64) error {
		line = bytes.TrimSpace(line)
		msg := line
		if line[0] == '"' {
			var s string
			if err := json.Unmarshal(line, &s); err != nil {
				return out.Fail(line, fmt.Errorf("line %d: %w", n, err))
			}
			msg = []byte(s)
		}
		d := out.Doc()
		if err := windowsMessage(msg, d, time.Time{}); err != nil {
			return out.Fail(line, fmt.Errorf("line %d: %w", n, err))
		}
		return out.Emit(d)
	})
}

// windowsMessage maps one rendered event onto d; evTime (the CloudWatch
// event time) is @timestamp for the text rendering, which has no time.
func windowsMessage(msg []byte, d *ecs.Document, evTime time.Time) error {
	d.Type = archive.TypeWindows
	msg = bytes.TrimSpace(msg)
	switch {
	case len(msg) > 0 && msg[0] == '<':
		return windowsXML(msg, d)
	case len(msg) > 0 && msg[0] == '[':
		return windowsText(msg, d, evTime)
	}
	return errors.New("neither the XML nor the text rendering of a Windows event")
}

func windowsXML(msg []byte, d *ecs.Document) error {
	var ev winXMLEvent
	if err := xml.Unmarshal(msg, &ev); err != nil {
		return fmt.Errorf("event XML: %w", err)
	}
	sys := &ev.System
	if sys.TimeCreated.SystemTime == "" {
		return errors.New("event XML has no System/TimeCreated/@SystemTime")
	}
	t, err := parseJSONTime(sys.TimeCreated.SystemTime)
	if err != nil {
		return fmt.Errorf("TimeCreated: %w", err)
	}
	d.Timestamp = t
	a := winAWS{Format: "xml", Channel: sys.Channel, Provider: sys.Provider.Name, EventID: strings.TrimSpace(sys.EventID),
		Version: sys.Version, Level: sys.Level, Task: sys.Task, Opcode: sys.Opcode, Keywords: sys.Keywords,
		TimeCreated: sys.TimeCreated.SystemTime, EventRecordID: sys.EventRecordID, ProcessID: sys.Execution.ProcessID,
		ThreadID: sys.Execution.ThreadID, Computer: sys.Computer, UserID: sys.Security.UserID}
	if len(ev.EventData.Data) > 0 {
		a.EventData = make(map[string]string, len(ev.EventData.Data))
		for i, dt := range ev.EventData.Data {
			name := dt.Name
			if name == "" {
				name = "param" + strconv.Itoa(i+1) // unnamed Data elements, as Elastic names them
			}
			a.EventData[name] = dt.Value
		}
	}
	ri := &ev.RenderingInfo
	if ri.Message != "" || ri.Level != "" || ri.Task != "" || len(ri.Keywords) > 0 {
		a.Rendering = &winRendering{Message: ri.Message, Level: ri.Level, Task: ri.Task, Keywords: ri.Keywords}
	}
	d.Message = ri.Message
	d.Log.Level = ri.Level
	if d.Log.Level == "" {
		d.Log.Level = winLevelNames[sys.Level]
	}
	if kw, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(sys.Keywords), "0x"), 16, 64); err == nil {
		switch {
		case kw&winAuditFailure != 0:
			d.Event.Outcome = "failure"
		case kw&winAuditSuccess != 0:
			d.Event.Outcome = "success"
		}
	}
	winCommon(d, &a)
	if a.Channel == "Security" {
		winSecurityFields(d, a.EventID, a.EventData)
	}
	b, err := json.Marshal(&a)
	if err != nil {
		return err
	}
	d.AWS = b
	return nil
}

// windowsText maps the text rendering "[channel] [LEVEL] [id] [provider]
// [computer] [message]"; the message may itself hold "] [".
func windowsText(msg []byte, d *ecs.Document, evTime time.Time) error {
	s := string(msg)
	var parts [5]string
	rest := s[1:]
	for i := range parts {
		end := strings.Index(rest, "] [")
		if end < 0 {
			return fmt.Errorf("text rendering: field %d of 6 is missing", i+2)
		}
		parts[i], rest = rest[:end], rest[end+3:]
	}
	message, ok := strings.CutSuffix(rest, "]")
	if !ok {
		return errors.New("text rendering: the message is not closed by ']'")
	}
	if _, err := strconv.ParseUint(parts[2], 10, 16); err != nil {
		return fmt.Errorf("text rendering: event id %q is not a number", parts[2])
	}
	if evTime.IsZero() {
		return errors.New("text rendering has no time of its own (it needs the CloudWatch Logs event time)")
	}
	d.Timestamp = evTime
	a := winAWS{Format: "text", Channel: parts[0], Level: parts[1], EventID: parts[2], Provider: parts[3], Computer: parts[4]}
	a.Rendering = &winRendering{Message: message}
	d.Message = message
	d.Log.Level = strings.ToLower(parts[1])
	winCommon(d, &a)
	if a.Channel == "Security" {
		if ev, ok := winSecurityEvents[a.EventID]; ok {
			d.Event.Action, d.Event.Category, d.Event.Type = ev.action, ev.category, ev.typ
		}
		// The text rendering carries no keywords: the failure events are
		// failures by definition.
		switch a.EventID {
		case "4625":
			d.Event.Outcome = "failure"
		case "4624", "4634", "4647", "4648", "4672":
			d.Event.Outcome = "success"
		}
	}
	b, err := json.Marshal(&a)
	if err != nil {
		return err
	}
	d.AWS = b
	return nil
}

// winCommon fills the fields both renderings give.
func winCommon(d *ecs.Document, a *winAWS) {
	d.Event.Code = a.EventID
	d.Event.Provider = a.Provider
	d.Host.Name = a.Computer
}

// winSecurityFields maps the EventData of a Security channel event.
func winSecurityFields(d *ecs.Document, id string, data map[string]string) {
	ev, ok := winSecurityEvents[id]
	if !ok {
		return
	}
	d.Event.Action, d.Event.Category, d.Event.Type = ev.action, ev.category, ev.typ
	get := func(k string) string { return winValue(data[k]) }
	switch ev.who {
	case winLogon:
		d.User.Name, d.User.Domain, d.User.ID = get("TargetUserName"), get("TargetDomainName"), get("TargetUserSid")
	case winSubject:
		d.User.Name, d.User.Domain, d.User.ID = get("SubjectUserName"), get("SubjectDomainName"), get("SubjectUserSid")
	case winAccount:
		d.User.Name, d.User.Domain, d.User.ID = get("SubjectUserName"), get("SubjectDomainName"), get("SubjectUserSid")
		d.User.TargetName, d.User.TargetID = get("TargetUserName"), get("TargetSid")
	case winGroup:
		d.User.Name, d.User.Domain, d.User.ID = get("SubjectUserName"), get("SubjectDomainName"), get("SubjectUserSid")
		d.User.TargetID = get("MemberSid")
		d.User.TargetName = winMemberName(get("MemberName"))
		d.Group.Name, d.Group.ID = get("TargetUserName"), get("TargetSid")
	}
	for _, u := range []string{d.User.Name, d.User.TargetName} {
		if u != "" {
			d.Related.User = append(d.Related.User, u)
		}
	}
	if ip := get("IpAddress"); ip != "" && setEndpoint(&d.Source, ip) != "" {
		addRelatedIP(d, d.Source.IP)
		if p, ok := parseDecimal(get("IpPort")); ok && p > 0 && p <= 65535 {
			d.Source.Port = p
		}
	}
	if ws := get("WorkstationName"); ws != "" {
		d.Source.Domain = ws
	}
}

// winValue is a Data value, "" for the placeholders Windows writes for
// none ("-", "%%1793"-style unresolved insertion strings stay as they are).
func winValue(s string) string {
	s = strings.TrimSpace(s)
	if s == "-" {
		return ""
	}
	return s
}

// winMemberName is the account name of a group member: the CN of a
// distinguished name ("CN=alice,CN=Users,DC=example,DC=com"), else the
// value as written.
func winMemberName(s string) string {
	if cn, ok := strings.CutPrefix(s, "CN="); ok {
		if i := strings.IndexByte(cn, ','); i >= 0 {
			return cn[:i]
		}
		return cn
	}
	return s
}
