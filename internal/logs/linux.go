package logs

// Linux /var/log/secure, /var/log/messages and auth.log: syslog lines as
// rsyslog writes them (RFC 3164 style), usually shipped by the CloudWatch
// agent (see cloudwatchlogs.go for the routing):
//
//	[<PRI>]Mmm dd hh:mm:ss host program[pid]: message
//	2024-03-05T10:00:00.123456+00:00 host program[pid]: message   (high-precision template)
//
// The traditional timestamp has no year and no zone: it is read as UTC
// (EC2 images log in UTC) in the year that puts it at most two days after
// the reference time (the CloudWatch event time, else the object's time),
// so December lines read in January fall in the previous year.
//
// Mapping: @timestamp, host.hostname, process.name and process.pid,
// message (the part after "program[pid]: "), and for the security events:
//   - sshd "Accepted|Failed <method> for [invalid user ]<user> from <ip> port <n>",
//     "Invalid user <user> from <ip>": event.action ssh_login, category
//     authentication, outcome success/failure, user.name, source.ip/port;
//   - sudo "<user> : ... ; USER=<target> ; COMMAND=<cmd>": action sudo,
//     category process, outcome failure when the line reports a refusal
//     ("NOT in sudoers", "incorrect password attempts", "command not allowed");
//   - useradd "new user: name=<user>", groupadd "new group: name=<group>":
//     category iam, type user/group + creation.
// aws.linux holds the syslog header as written.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

func parseLinux(in *Input, out *Output) error {
	var p linuxParser
	ref := out.errTime
	for {
		line, err := in.ReadLine()
		var tooLong *LineTooLongError
		switch {
		case errors.As(err, &tooLong):
			if err := out.Fail(tooLong.Prefix, tooLong); err != nil {
				return err
			}
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		d := out.Doc()
		if err := p.parse(line, d, ref); err != nil {
			if err := out.Fail(line, fmt.Errorf("line %d: %w", in.LineNumber(), err)); err != nil {
				return err
			}
			continue
		}
		if err := out.Emit(d); err != nil {
			return err
		}
	}
}

// linuxMessage maps one syslog line delivered through CloudWatch Logs onto
// d. evTime (the CloudWatch event time) gives the year, and is @timestamp
// when the line has no syslog header.
func linuxMessage(msg []byte, d *ecs.Document, evTime time.Time) error {
	var p linuxParser
	ref := evTime
	if ref.IsZero() {
		ref = time.Now()
	}
	err := p.parse(msg, d, ref)
	if err != nil && !evTime.IsZero() {
		// Not a syslog line (the agent may ship bare messages): keep it
		// with the CloudWatch time.
		d.Type = archive.TypeLinux
		d.Timestamp = evTime
		d.Message = string(msg)
		return nil
	}
	return err
}

// linuxParser holds buffers reused from line to line.
type linuxParser struct {
	aws       []byte
	related   []string
	relatedIP [1]string
}

var (
	linuxCatAuthentication = []string{"authentication"}
	linuxCatProcess        = []string{"process"}
	linuxCatIAM            = []string{"iam"}
	linuxCatNetwork        = []string{"network"}
	linuxTypeInfo          = []string{"info"}
	linuxTypeUserCreation  = []string{"user", "creation"}
	linuxTypeGroupCreation = []string{"group", "creation"}
	linuxTypeConnection    = []string{"connection"}
)

// parse maps one syslog line onto d.
func (p *linuxParser) parse(raw []byte, d *ecs.Document, ref time.Time) error {
	line := string(raw)
	rest := line
	if strings.HasPrefix(rest, "<") { // <PRI>
		if i := strings.IndexByte(rest, '>'); i > 0 && i <= 4 {
			rest = rest[i+1:]
		}
	}
	ts, stamp, rest, err := syslogTime(rest, ref)
	if err != nil {
		return err
	}
	host, rest, ok := strings.Cut(strings.TrimLeft(rest, " "), " ")
	if !ok || host == "" {
		return errors.New("no hostname after the timestamp")
	}
	tag, msg, ok := strings.Cut(rest, ": ")
	if !ok {
		tag, msg = "", rest
		if t, found := strings.CutSuffix(rest, ":"); found && !strings.Contains(t, " ") {
			tag, msg = t, ""
		}
	}
	if strings.ContainsAny(tag, " \t") {
		tag, msg = "", rest // no tag: the message starts right after the host
	}
	program, pid := tag, ""
	if i := strings.IndexByte(tag, '['); i > 0 && strings.HasSuffix(tag, "]") {
		program, pid = tag[:i], tag[i+1:len(tag)-1]
	}

	d.Type = archive.TypeLinux
	d.Timestamp = ts
	d.Host.Hostname = host
	d.Process.Name = program
	if pid != "" { // (ParseInt("") would allocate its error)
		if n, err := strconv.ParseInt(pid, 10, 64); err == nil {
			d.Process.PID = n
		}
	}
	d.Message = msg
	p.related = p.related[:0]
	switch program {
	case "sshd":
		p.sshd(msg, d)
	case "sudo":
		p.sudo(msg, d)
	case "useradd", "groupadd":
		p.accountAdd(program, msg, d)
	}
	d.Related.User = p.related

	b := append(p.aws[:0], `{"syslog_timestamp":`...)
	b = ecs.AppendJSONString(b, stamp)
	b = append(b, `,"hostname":`...)
	b = ecs.AppendJSONString(b, host)
	if program != "" {
		b = append(b, `,"program":`...)
		b = ecs.AppendJSONString(b, program)
	}
	if pid != "" {
		b = append(b, `,"pid":`...)
		b = ecs.AppendJSONString(b, pid)
	}
	b = append(b, '}')
	p.aws = b
	d.AWS = b
	return nil
}

// syslogTime reads the leading timestamp: "Mmm dd hh:mm:ss" (year from
// ref) or RFC 3339. It returns the time, the timestamp as written and the
// rest of the line.
func syslogTime(s string, ref time.Time) (time.Time, string, string, error) {
	if len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
		tok, rest, _ := strings.Cut(s, " ")
		t, err := time.Parse(time.RFC3339Nano, tok)
		if err != nil {
			return time.Time{}, "", "", fmt.Errorf("timestamp %q is neither \"Mmm dd hh:mm:ss\" nor RFC 3339", tok)
		}
		return t.UTC(), tok, rest, nil
	}
	if len(s) < 15 {
		return time.Time{}, "", "", errors.New("line too short for a syslog timestamp")
	}
	stamp := s[:15]
	mo, day, h, mi, sec, ok := parseStamp(stamp)
	if !ok {
		t, err := time.Parse(time.Stamp, stamp) // the lenient forms parseStamp leaves out
		if err != nil {
			return time.Time{}, "", "", fmt.Errorf("timestamp %q is not \"Mmm dd hh:mm:ss\"", stamp)
		}
		mo, day = t.Month(), t.Day()
		h, mi, sec = t.Clock()
	}
	ref = ref.UTC()
	t := time.Date(ref.Year(), mo, day, h, mi, sec, 0, time.UTC)
	if t.After(ref.Add(48 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, stamp, s[15:], nil
}

// stampMonths are the month abbreviations of time.Stamp, in order.
const stampMonths = "JanFebMarAprMayJunJulAugSepOctNovDec"

// parseStamp reads the usual form of a time.Stamp timestamp, "Mmm _d
// hh:mm:ss" with a capitalised month and two-digit fields, without
// time.Parse. ok is false for anything else (time.Parse then decides:
// it also takes other letter cases, for one).
func parseStamp(s string) (mo time.Month, day, h, mi, sec int, ok bool) {
	if len(s) != 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' {
		return 0, 0, 0, 0, 0, false
	}
	i := strings.Index(stampMonths, s[:3])
	if i < 0 || i%3 != 0 {
		return 0, 0, 0, 0, 0, false
	}
	mo = time.Month(i/3 + 1)
	day, ok1 := twoDigits(s[4:6])
	if s[4] == ' ' && s[5] >= '0' && s[5] <= '9' { // "_d"
		day, ok1 = int(s[5]-'0'), true
	}
	h, ok2 := twoDigits(s[7:9])
	mi, ok3 := twoDigits(s[10:12])
	sec, ok4 := twoDigits(s[13:15])
	// Year 0 (a leap year) is what time.Parse checks the day against.
	ok = ok1 && ok2 && ok3 && ok4 && day >= 1 && day <= daysIn(int(mo), 0) && h < 24 && mi < 60 && sec < 60
	return mo, day, h, mi, sec, ok
}

// sshd maps the authentication lines of sshd.
func (p *linuxParser) sshd(msg string, d *ecs.Document) {
	var user, from, outcome string
	switch {
	case strings.HasPrefix(msg, "Accepted "), strings.HasPrefix(msg, "Failed "):
		outcome = "success"
		if msg[0] == 'F' {
			outcome = "failure"
		}
		_, after, ok := strings.Cut(msg, " for ")
		if !ok {
			return
		}
		after = strings.TrimPrefix(after, "invalid user ")
		user, from, ok = strings.Cut(after, " from ")
		if !ok {
			return
		}
	case strings.HasPrefix(msg, "Invalid user "):
		outcome = "failure"
		var ok bool
		user, from, ok = strings.Cut(strings.TrimPrefix(msg, "Invalid user "), " from ")
		if !ok {
			return
		}
	case strings.HasPrefix(msg, "Did not receive identification string from "):
		d.Event.Action = "ssh_dropped_connection"
		d.Event.Category, d.Event.Type = linuxCatNetwork, linuxTypeConnection
		p.source(strings.TrimPrefix(msg, "Did not receive identification string from "), d)
		return
	default:
		return
	}
	d.Event.Action = "ssh_login"
	d.Event.Category, d.Event.Type = linuxCatAuthentication, linuxTypeInfo
	d.Event.Outcome = outcome
	d.User.Name = user
	p.related = append(p.related, user)
	p.source(from, d)
}

// source reads "<ip>[ port <n>][ ...]" into source.*.
func (p *linuxParser) source(s string, d *ecs.Document) {
	ipText, rest, _ := strings.Cut(s, " ")
	ip, err := netip.ParseAddr(ipText)
	if err != nil {
		d.Source.Address = ipText
		return
	}
	if ip.Is4() {
		d.Source.IP = ipText // ParseAddr takes IPv4 in canonical form only
	} else {
		d.Source.IP = ip.String()
	}
	p.relatedIP[0] = d.Source.IP
	d.Related.IP = p.relatedIP[:]
	if port, ok := strings.CutPrefix(rest, "port "); ok {
		port, _, _ = strings.Cut(port, " ")
		if port != "" {
			if n, err := strconv.ParseInt(port, 10, 64); err == nil {
				d.Source.Port = n
			}
		}
	}
}

// sudo maps "<user> : [reason ; ]TTY=... ; PWD=... ; USER=<target> ; COMMAND=<cmd>".
func (p *linuxParser) sudo(msg string, d *ecs.Document) {
	user, rest, ok := strings.Cut(msg, " : ")
	if !ok {
		return
	}
	d.Event.Action = "sudo"
	d.Event.Category, d.Event.Type = linuxCatProcess, linuxTypeInfo
	d.Event.Outcome = "success"
	d.User.Name = strings.TrimSpace(user)
	p.related = append(p.related, d.User.Name)
	for more := true; more; {
		var part string
		part, rest, more = strings.Cut(rest, " ; ")
		switch {
		case strings.HasPrefix(part, "USER="):
			p.related = append(p.related, strings.TrimPrefix(part, "USER="))
		case strings.Contains(part, "NOT in sudoers"), strings.Contains(part, "incorrect password attempt"),
			strings.Contains(part, "command not allowed"):
			d.Event.Outcome = "failure"
		}
	}
}

// accountAdd maps useradd/groupadd "new user|group: name=<name>, ...".
func (p *linuxParser) accountAdd(program, msg string, d *ecs.Document) {
	_, after, ok := strings.Cut(msg, "name=")
	if !ok || !strings.HasPrefix(msg, "new ") {
		return
	}
	name, _, _ := strings.Cut(after, ",")
	d.Event.Action = program
	d.Event.Category = linuxCatIAM
	d.Event.Outcome = "success"
	if program == "useradd" {
		d.Event.Type = linuxTypeUserCreation
		p.related = append(p.related, name) // the account created (ECS user.target)
	} else {
		d.Event.Type = linuxTypeGroupCreation
	}
}
