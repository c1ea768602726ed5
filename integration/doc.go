// Package integration holds the suite that runs orgsiem's OpenSearch flows
// against a real cluster (build tag integration, OPENSEARCH_URL; see
// README.md). Without the tag it contains no tests.
package integration
