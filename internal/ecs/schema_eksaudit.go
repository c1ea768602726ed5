package ecs

// eksAuditFields are the aws.eksaudit.* fields: a Kubernetes audit Event
// (audit.k8s.io/v1) as the kube-apiserver of an Amazon EKS cluster writes
// it, field names as in the API reference
// (https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/#audit-k8s-io-v1-Event),
// plus cluster, the cluster name read from the CloudWatch Logs group.
var eksAuditFields = []Field{
	{Path: "kind", Type: Keyword},
	{Path: "apiVersion", Type: Keyword},
	{Path: "level", Type: Keyword}, // None, Metadata, Request, RequestResponse
	{Path: "auditID", Type: Keyword},
	{Path: "stage", Type: Keyword}, // RequestReceived, ResponseStarted, ResponseComplete, Panic
	{Path: "requestURI", Type: Keyword},
	{Path: "verb", Type: Keyword},
	{Path: "user.username", Type: Keyword},
	{Path: "user.uid", Type: Keyword},
	{Path: "user.groups", Type: Keyword},
	{Path: "user.extra", Type: FlatObject},
	{Path: "impersonatedUser.username", Type: Keyword},
	{Path: "impersonatedUser.uid", Type: Keyword},
	{Path: "impersonatedUser.groups", Type: Keyword},
	{Path: "impersonatedUser.extra", Type: FlatObject},
	{Path: "sourceIPs", Type: Keyword}, // may hold proxies' addresses; source.ip is the first
	{Path: "userAgent", Type: Keyword},
	{Path: "objectRef.resource", Type: Keyword},
	{Path: "objectRef.namespace", Type: Keyword},
	{Path: "objectRef.name", Type: Keyword},
	{Path: "objectRef.uid", Type: Keyword},
	{Path: "objectRef.apiGroup", Type: Keyword},
	{Path: "objectRef.apiVersion", Type: Keyword},
	{Path: "objectRef.resourceVersion", Type: Keyword},
	{Path: "objectRef.subresource", Type: Keyword},
	{Path: "responseStatus.code", Type: Long},
	{Path: "responseStatus.status", Type: Keyword},
	{Path: "responseStatus.reason", Type: Keyword},
	{Path: "responseStatus.message", Type: Text},
	{Path: "responseStatus.metadata", Type: FlatObject},
	{Path: "responseStatus.details", Type: FlatObject},
	{Path: "requestObject", Type: FlatObject},
	{Path: "responseObject", Type: FlatObject},
	{Path: "requestReceivedTimestamp", Type: Date},
	{Path: "stageTimestamp", Type: Date},
	{Path: "annotations", Type: FlatObject},
	{Path: "cluster", Type: Keyword},
}
