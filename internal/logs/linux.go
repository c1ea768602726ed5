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
	p := newLinuxParser(out.errTime)
	for {
		line, err := in.ReadLine()
		if err != nil {
			// (Declared for errors only: errors.As makes it escape to
			// the heap, an allocation a line should not cost.)
			var tooLong *LineTooLongError
			switch {
			case errors.As(err, &tooLong):
				if err := out.Fail(tooLong.Prefix, tooLong); err != nil {
					return err
				}
				continue
			case errors.Is(err, io.EOF):
				return nil
			}
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		d := out.Doc()
		if err := p.parse(line, d); err != nil {
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
	ref := evTime
	if ref.IsZero() {
		ref = time.Now()
	}
	p := newLinuxParser(ref)
	p.aws = make([]byte, 0, 128) // room for the usual header object
	err := p.parse(msg, d)
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
	// "Mmm dd hh:mm:ss" timestamps are read in year, unless that puts them
	// after latest (see the file comment).
	year      int
	latest    time.Time
	day       linuxDay
	aws       []byte
	related   []string
	relatedIP [1]string
}

// newLinuxParser returns a parser for lines logged around the reference
// time ref.
func newLinuxParser(ref time.Time) linuxParser {
	ref = ref.UTC()
	return linuxParser{year: ref.Year(), latest: ref.Add(48 * time.Hour)}
}

// linuxDay is the day of the last traditional timestamp: the lines of a
// file share a few days, and time.Date is not cheap.
type linuxDay struct {
	mo    time.Month
	day   int
	start int64 // Unix time of mo/day 00:00:00 UTC in p.year
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
func (p *linuxParser) parse(raw []byte, d *ecs.Document) error {
	line := string(raw)
	rest := line
	if strings.HasPrefix(rest, "<") { // <PRI>
		if i := strings.IndexByte(rest, '>'); i > 0 && i <= 4 {
			rest = rest[i+1:]
		}
	}
	ts, stamp, rest, err := p.syslogTime(rest)
	if err != nil {
		return err
	}
	host, rest, ok := strings.Cut(strings.TrimLeft(rest, " "), " ")
	if !ok || host == "" {
		return errors.New("no hostname after the timestamp")
	}
	tag, msg := syslogTag(rest)
	program, pid := tag, ""
	if i := strings.IndexByte(tag, '['); i > 0 && tag[len(tag)-1] == ']' {
		program, pid = tag[:i], tag[i+1:len(tag)-1]
	}

	d.Type = archive.TypeLinux
	d.Timestamp = ts
	d.Host.Hostname = host
	d.Process.Name = program
	if n, ok := parseInt(pid); ok {
		d.Process.PID = n
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

	// Every value below comes from the line before the message.
	o := textObject{buf: p.aws}
	o.resetLine(line[:len(line)-len(msg)], false) // (the hostname may hold a tab)
	o.member(`,"syslog_timestamp":"`, stamp)
	o.member(`,"hostname":"`, host)
	if program != "" {
		o.member(`,"program":"`, program)
	}
	if pid != "" {
		o.member(`,"pid":"`, pid)
	}
	p.aws = o.bytes()
	d.AWS = p.aws
	return nil
}

// syslogTag splits what follows the hostname into the tag ("program" or
// "program[pid]") and the message. The tag is what precedes the first
// ": " when that holds no space or tab, or the whole of rest but a final
// ':' when rest holds no space or tab; else there is no tag and rest is the
// message.
func syslogTag(rest string) (tag, msg string) {
	j := 0
	for j < len(rest) && rest[j] != ' ' && rest[j] != '\t' {
		j++
	}
	switch {
	case j < len(rest):
		if rest[j] == ' ' && j > 0 && rest[j-1] == ':' {
			return rest[:j-1], rest[j+1:]
		}
	case j > 0 && rest[j-1] == ':':
		return rest[:j-1], ""
	}
	return "", rest
}

// parseInt is strconv.ParseInt(s, 10, 64) without its error (which
// allocates).
func parseInt(s string) (int64, bool) {
	if n, ok := parseDecimal(s); ok || s == "" {
		return n, ok
	}
	n, err := strconv.ParseInt(s, 10, 64) // what parseDecimal leaves out: a '+', -2^63
	return n, err == nil
}

// syslogTime reads the leading timestamp: "Mmm dd hh:mm:ss" (year from
// the reference time) or RFC 3339. It returns the time, the timestamp as
// written and the rest of the line.
func (p *linuxParser) syslogTime(s string) (time.Time, string, string, error) {
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
	if p.day.mo != mo || p.day.day != day {
		p.day = linuxDay{mo: mo, day: day, start: time.Date(p.year, mo, day, 0, 0, 0, 0, time.UTC).Unix()}
	}
	// time.Date(year, mo, day, h, mi, sec, 0, time.UTC): in UTC every day
	// has 86400 seconds.
	t := time.Unix(p.day.start+int64(h*3600+mi*60+sec), 0).UTC()
	if t.After(p.latest) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, stamp, s[15:], nil
}

// parseStamp reads the usual form of a time.Stamp timestamp, "Mmm _d
// hh:mm:ss" with a capitalised month and two-digit fields, without
// time.Parse. ok is false for anything else (time.Parse then decides:
// it also takes other letter cases, for one).
func parseStamp(s string) (mo time.Month, day, h, mi, sec int, ok bool) {
	if len(s) != 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' {
		return 0, 0, 0, 0, 0, false
	}
	mo = stampMonth(s[:3])
	day, ok1 := twoDigits(s[4:6])
	if s[4] == ' ' && s[5] >= '0' && s[5] <= '9' { // "_d"
		day, ok1 = int(s[5]-'0'), true
	}
	h, ok2 := twoDigits(s[7:9])
	mi, ok3 := twoDigits(s[10:12])
	sec, ok4 := twoDigits(s[13:15])
	// Year 0 (a leap year) is what time.Parse checks the day against.
	ok = mo != 0 && ok1 && ok2 && ok3 && ok4 && day >= 1 && day <= daysIn(int(mo), 0) && h < 24 && mi < 60 && sec < 60
	return mo, day, h, mi, sec, ok
}

// stampMonth is the month of a time.Stamp abbreviation ("Jan"), or 0.
func stampMonth(s string) time.Month {
	switch uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2]) {
	case 'J'<<16 | 'a'<<8 | 'n':
		return time.January
	case 'F'<<16 | 'e'<<8 | 'b':
		return time.February
	case 'M'<<16 | 'a'<<8 | 'r':
		return time.March
	case 'A'<<16 | 'p'<<8 | 'r':
		return time.April
	case 'M'<<16 | 'a'<<8 | 'y':
		return time.May
	case 'J'<<16 | 'u'<<8 | 'n':
		return time.June
	case 'J'<<16 | 'u'<<8 | 'l':
		return time.July
	case 'A'<<16 | 'u'<<8 | 'g':
		return time.August
	case 'S'<<16 | 'e'<<8 | 'p':
		return time.September
	case 'O'<<16 | 'c'<<8 | 't':
		return time.October
	case 'N'<<16 | 'o'<<8 | 'v':
		return time.November
	case 'D'<<16 | 'e'<<8 | 'c':
		return time.December
	}
	return 0
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
	if isIPv4(ipText) { // ParseAddr takes IPv4 in canonical form only
		d.Source.IP = ipText
	} else {
		ip, err := netip.ParseAddr(ipText)
		if err != nil {
			d.Source.Address = ipText
			return
		}
		d.Source.IP = ip.String()
	}
	p.relatedIP[0] = d.Source.IP
	d.Related.IP = p.relatedIP[:]
	if port, ok := strings.CutPrefix(rest, "port "); ok {
		port, _, _ = strings.Cut(port, " ")
		if n, ok := parseInt(port); ok {
			d.Source.Port = n
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
