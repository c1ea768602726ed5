package ecs

// linuxFields are the aws.linux.* fields: the parts of a syslog line
// (RFC 3164) as written, before mapping to ECS.
var linuxFields = []Field{
	{Path: "syslog_timestamp", Type: Keyword}, // "Mar  5 10:00:00" as written (no year, no zone)
	{Path: "hostname", Type: Keyword},
	{Path: "program", Type: Keyword},
	{Path: "pid", Type: Keyword},
}
