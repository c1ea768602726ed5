package ecs

// cloudTrailFields are the aws.cloudtrail.* fields: the CloudTrail record
// under its original field names (CloudTrail UG "record contents").
// Free-form payloads are flat_object: their shape differs per service and
// API, so mapping them would hit conflicts and field-count limits. The
// CloudTrail parser guarantees each flat_object value is an object.
var cloudTrailFields = []Field{
	{Path: "eventVersion", Type: Keyword},
	{Path: "eventTime", Type: Date},
	{Path: "eventSource", Type: Keyword},
	{Path: "eventName", Type: Keyword},
	{Path: "eventType", Type: Keyword},
	{Path: "eventCategory", Type: Keyword},
	{Path: "eventID", Type: Keyword},
	{Path: "sharedEventID", Type: Keyword},
	{Path: "requestID", Type: Keyword},
	{Path: "awsRegion", Type: Keyword},
	{Path: "sourceIPAddress", Type: Keyword}, // not always an IP ("AWS Internal", service names)
	{Path: "userAgent", Type: Keyword},
	{Path: "errorCode", Type: Keyword},
	{Path: "errorMessage", Type: Keyword},
	{Path: "readOnly", Type: Boolean},
	{Path: "managementEvent", Type: Boolean},
	{Path: "recipientAccountId", Type: Keyword},
	{Path: "apiVersion", Type: Keyword},
	{Path: "vpcEndpointId", Type: Keyword},
	{Path: "vpcEndpointAccountId", Type: Keyword},
	{Path: "sessionCredentialFromConsole", Type: Keyword},

	{Path: "userIdentity.type", Type: Keyword},
	{Path: "userIdentity.principalId", Type: Keyword},
	{Path: "userIdentity.arn", Type: Keyword},
	{Path: "userIdentity.accountId", Type: Keyword},
	{Path: "userIdentity.accessKeyId", Type: Keyword},
	{Path: "userIdentity.userName", Type: Keyword},
	{Path: "userIdentity.invokedBy", Type: Keyword},
	{Path: "userIdentity.identityProvider", Type: Keyword},
	{Path: "userIdentity.credentialId", Type: Keyword},
	{Path: "userIdentity.onBehalfOf.userId", Type: Keyword},
	{Path: "userIdentity.onBehalfOf.identityStoreArn", Type: Keyword},
	{Path: "userIdentity.sessionContext.attributes.mfaAuthenticated", Type: Keyword}, // "true"/"false" strings
	{Path: "userIdentity.sessionContext.attributes.creationDate", Type: Keyword},     // not always ISO 8601 (doc samples: 20131102T010628Z)
	{Path: "userIdentity.sessionContext.sessionIssuer.type", Type: Keyword},
	{Path: "userIdentity.sessionContext.sessionIssuer.principalId", Type: Keyword},
	{Path: "userIdentity.sessionContext.sessionIssuer.arn", Type: Keyword},
	{Path: "userIdentity.sessionContext.sessionIssuer.accountId", Type: Keyword},
	{Path: "userIdentity.sessionContext.sessionIssuer.userName", Type: Keyword},
	{Path: "userIdentity.sessionContext.sourceIdentity", Type: Keyword},
	{Path: "userIdentity.sessionContext.ec2RoleDelivery", Type: Keyword},
	{Path: "userIdentity.sessionContext.webIdFederationData", Type: FlatObject},
	{Path: "userIdentity.webIdFederationData", Type: FlatObject},

	{Path: "resources.ARN", Type: Keyword},
	{Path: "resources.accountId", Type: Keyword},
	{Path: "resources.type", Type: Keyword},

	{Path: "tlsDetails.tlsVersion", Type: Keyword},
	{Path: "tlsDetails.cipherSuite", Type: Keyword},
	{Path: "tlsDetails.clientProvidedHostHeader", Type: Keyword},

	{Path: "addendum.reason", Type: Keyword},
	{Path: "addendum.updatedFields", Type: Keyword},
	{Path: "addendum.originalRequestID", Type: Keyword},
	{Path: "addendum.originalEventID", Type: Keyword},

	{Path: "requestParameters", Type: FlatObject},
	{Path: "responseElements", Type: FlatObject},
	{Path: "additionalEventData", Type: FlatObject},
	{Path: "serviceEventDetails", Type: FlatObject},
	{Path: "insightDetails", Type: FlatObject},
	{Path: "edgeDeviceDetails", Type: FlatObject},
}
